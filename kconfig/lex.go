package kconfig

import "fmt"

type tokKind uint8

const (
	tEOF tokKind = iota
	tEOL
	tWord
	tWordQuote
	tAssignVal
	tHelpText
	// keywords
	tBool
	tChoice
	tComment
	tConfig
	tDefBool
	tDefTristate
	tDefault
	tDepends
	tEndchoice
	tEndif
	tEndmenu
	tHelp
	tHex
	tIf
	tImply
	tInt
	tMainmenu
	tMenu
	tMenuconfig
	tModules
	tOn
	tPrompt
	tRange
	tSelect
	tSource
	tString
	tTristate
	tVisible
	tTransitional
	// operators
	tOr
	tAnd
	tEqual
	tUnequal
	tLess
	tLessEqual
	tGreater
	tGreaterEqual
	tNot
	tOpenParen
	tCloseParen
	tColonEqual
	tPlusEqual
)

var keywords = map[string]tokKind{
	"bool": tBool, "choice": tChoice, "comment": tComment, "config": tConfig,
	"def_bool": tDefBool, "def_tristate": tDefTristate, "default": tDefault,
	"depends": tDepends, "endchoice": tEndchoice, "endif": tEndif,
	"endmenu": tEndmenu, "help": tHelp, "hex": tHex, "if": tIf,
	"imply": tImply, "int": tInt, "mainmenu": tMainmenu, "menu": tMenu,
	"menuconfig": tMenuconfig, "modules": tModules, "on": tOn,
	"prompt": tPrompt, "range": tRange, "select": tSelect, "source": tSource,
	"string": tString, "tristate": tTristate, "visible": tVisible,
	"transitional": tTransitional,
}

var tokNames = map[tokKind]string{
	tEOF: "end of file", tEOL: "end of line", tWord: "word",
	tWordQuote: "string", tAssignVal: "value", tHelpText: "help text",
	tOr: `"||"`, tAnd: `"&&"`, tEqual: `"="`, tUnequal: `"!="`, tLess: `"<"`,
	tLessEqual: `"<="`, tGreater: `">"`, tGreaterEqual: `">="`, tNot: `"!"`,
	tOpenParen: `"("`, tCloseParen: `")"`, tColonEqual: `":="`, tPlusEqual: `"+="`,
}

func (k tokKind) String() string {
	if s, ok := tokNames[k]; ok {
		return s
	}
	for w, kk := range keywords {
		if kk == k {
			return `"` + w + `"`
		}
	}
	return fmt.Sprintf("token %d", k)
}

type token struct {
	kind tokKind
	text string
	line int
	col  int
}

func (t token) describe() string {
	switch t.kind {
	case tWord:
		return fmt.Sprintf("%q", t.text)
	case tWordQuote:
		return fmt.Sprintf("string %q", t.text)
	}
	return t.kind.String()
}

type lexState uint8

const (
	stInitial lexState = iota
	stAssignVal
	stHelp
)

// lexer turns one Kconfig file into tokens, expanding macros in words
// and strings as it goes, like the kernel's own scanner.
type lexer struct {
	file  string
	src   []byte
	pos   int
	line  int // line of pos
	state lexState
	mac   *macros

	prev, prevPrev tokKind
	stmtLine       int // line of the current statement's first token

	errs func(Pos, string)
	warn func(Pos, string)
}

func newLexer(file string, src []byte, mac *macros, errs, warn func(Pos, string)) *lexer {
	return &lexer{file: file, src: src, line: 1, mac: mac, prev: tEOL, prevPrev: tEOL, errs: errs, warn: warn}
}

func (lx *lexer) posAt(line, col int) Pos { return Pos{File: lx.file, Line: line, Col: col} }

func (lx *lexer) col(at int) int {
	i := at
	for i > 0 && lx.src[i-1] != '\n' {
		i--
	}
	return at - i + 1
}

// next returns the next token, dropping the end-of-line tokens that do
// not end a statement.
func (lx *lexer) next() token {
	for {
		t := lx.scan()
		if lx.prev == tEOL || lx.prev == tHelpText {
			if t.kind == tEOL {
				continue
			}
			lx.stmtLine = t.line
		}
		if lx.prevPrev == tEOL && lx.prev == tWord &&
			(t.kind == tEqual || t.kind == tColonEqual || t.kind == tPlusEqual) {
			lx.state = stAssignVal
		}
		lx.prevPrev, lx.prev = lx.prev, t.kind
		return t
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (lx *lexer) lineEnd(from int) int {
	for i := from; i < len(lx.src); i++ {
		if lx.src[i] == '\n' {
			return i
		}
	}
	return len(lx.src)
}

func (lx *lexer) scan() token {
	switch lx.state {
	case stAssignVal:
		return lx.scanAssignVal()
	case stHelp:
		return lx.scanHelp()
	}
	for lx.pos < len(lx.src) {
		start := lx.pos
		line := lx.line
		c := lx.src[lx.pos]
		mk := func(k tokKind, n int) token {
			lx.pos += n
			return token{kind: k, line: line, col: lx.col(start)}
		}
		two := func() byte {
			if lx.pos+1 < len(lx.src) {
				return lx.src[lx.pos+1]
			}
			return 0
		}
		switch {
		case c == '#':
			lx.pos = lx.lineEnd(lx.pos)
			continue
		case c == ' ' || c == '\t':
			lx.pos++
			continue
		case c == '\\' && two() == '\n':
			lx.pos += 2
			lx.line++
			continue
		case c == '\n':
			t := mk(tEOL, 1)
			lx.line++
			return t
		case c == '|' && two() == '|':
			return mk(tOr, 2)
		case c == '&' && two() == '&':
			return mk(tAnd, 2)
		case c == '=':
			return mk(tEqual, 1)
		case c == '!' && two() == '=':
			return mk(tUnequal, 2)
		case c == '!':
			return mk(tNot, 1)
		case c == '<' && two() == '=':
			return mk(tLessEqual, 2)
		case c == '<':
			return mk(tLess, 1)
		case c == '>' && two() == '=':
			return mk(tGreaterEqual, 2)
		case c == '>':
			return mk(tGreater, 1)
		case c == '(':
			return mk(tOpenParen, 1)
		case c == ')':
			return mk(tCloseParen, 1)
		case c == ':' && two() == '=':
			return mk(tColonEqual, 2)
		case c == '+' && two() == '=':
			return mk(tPlusEqual, 2)
		case c == '"' || c == '\'':
			return lx.scanString()
		case isWordByte(c) || c == '$':
			end := lx.pos
			dollar := false
			for end < len(lx.src) && (isWordByte(lx.src[end]) || lx.src[end] == '$') {
				if lx.src[end] == '$' {
					dollar = true
				}
				end++
			}
			if !dollar {
				w := string(lx.src[lx.pos:end])
				lx.pos = end
				if k, ok := keywords[w]; ok {
					return token{kind: k, text: w, line: line, col: lx.col(start)}
				}
				return token{kind: tWord, text: w, line: line, col: lx.col(start)}
			}
			// A word with a macro in it: expand one token from the
			// rest of the line; the expansion is one word, whatever
			// it holds.
			lineEnd := lx.lineEnd(lx.pos)
			pos := lx.posAt(line, lx.col(start))
			out, used := lx.mac.expandToken(string(lx.src[lx.pos:lineEnd]), pos)
			lx.pos += used
			if out == "" {
				continue
			}
			return token{kind: tWord, text: out, line: line, col: pos.Col}
		default:
			lx.warn(lx.posAt(line, lx.col(start)), fmt.Sprintf("ignoring unsupported character '%c'", c))
			lx.pos++
			continue
		}
	}
	return token{kind: tEOF, line: lx.line, col: lx.col(lx.pos)}
}

func (lx *lexer) scanString() token {
	start := lx.pos
	line := lx.line
	quote := lx.src[lx.pos]
	lx.pos++
	var out []byte
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == '$':
			lineEnd := lx.lineEnd(lx.pos)
			exp, used := lx.mac.expandDollar(string(lx.src[lx.pos+1:lineEnd]), lx.posAt(line, lx.col(lx.pos)))
			out = append(out, exp...)
			lx.pos += 1 + used
		case c == '\\':
			lx.pos++
			if lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				out = append(out, lx.src[lx.pos])
				lx.pos++
			}
		case c == quote:
			lx.pos++
			return token{kind: tWordQuote, text: string(out), line: line, col: lx.col(start)}
		case c == '\n':
			lx.warn(lx.posAt(line, lx.col(start)), "multi-line strings not supported")
			return token{kind: tWordQuote, text: string(out), line: line, col: lx.col(start)}
		default:
			out = append(out, c)
			lx.pos++
		}
	}
	return token{kind: tWordQuote, text: string(out), line: line, col: lx.col(start)}
}

func (lx *lexer) scanAssignVal() token {
	for lx.pos < len(lx.src) && (lx.src[lx.pos] == ' ' || lx.src[lx.pos] == '\t') {
		lx.pos++
	}
	if lx.pos >= len(lx.src) {
		lx.state = stInitial
		return token{kind: tEOF, line: lx.line}
	}
	if lx.src[lx.pos] == '\n' {
		lx.state = stInitial
		t := token{kind: tEOL, line: lx.line, col: lx.col(lx.pos)}
		lx.pos++
		lx.line++
		return t
	}
	end := lx.lineEnd(lx.pos)
	t := token{kind: tAssignVal, text: string(lx.src[lx.pos:end]), line: lx.line, col: lx.col(lx.pos)}
	lx.pos = end
	return t
}

// startHelp switches to help text after the "help" line.
func (lx *lexer) startHelp() { lx.state = stHelp }

// scanHelp reads a help text: the lines indented at least as deep as its
// first line, as the kernel's scanner measures indentation (a tab moves
// to the next multiple of eight).
func (lx *lexer) scanHelp() token {
	line := lx.line
	var out []byte
	firstTS, lastTS := 0, 0
	end := func() token {
		lx.state = stInitial
		return token{kind: tHelpText, text: string(out), line: line}
	}
	// nextStartsText reports whether the line after a newline at i
	// starts with a character that is not blank.
	nextStartsText := func(i int) bool {
		return i+1 < len(lx.src) && lx.src[i+1] != ' ' && lx.src[i+1] != '\t' && lx.src[i+1] != '\n'
	}
	for lx.pos < len(lx.src) {
		// leading white space
		ws := lx.pos
		for ws < len(lx.src) && (lx.src[ws] == ' ' || lx.src[ws] == '\t') {
			ws++
		}
		if ws == len(lx.src) {
			lx.pos = ws
			return end()
		}
		if lx.src[ws] == '\n' {
			// a blank line
			lx.pos = ws + 1
			lx.line++
			if nextStartsText(ws) {
				return end()
			}
			out = append(out, '\n')
			continue
		}
		if ws > lx.pos {
			ts := 0
			for _, c := range lx.src[lx.pos:ws] {
				if c == '\t' {
					ts = (ts &^ 7) + 8
				} else {
					ts++
				}
			}
			lastTS = ts
			if firstTS != 0 {
				if ts < firstTS {
					lx.pos = ws
					return end()
				}
				for ts -= firstTS; ts > 0; ts-- {
					out = append(out, ' ')
				}
			}
		}
		le := lx.lineEnd(ws)
		text := lx.src[ws:le]
		for len(text) > 0 && (text[len(text)-1] == ' ' || text[len(text)-1] == '\t') {
			text = text[:len(text)-1]
		}
		out = append(out, text...)
		if firstTS == 0 {
			firstTS = lastTS
		}
		lx.pos = le
		if le == len(lx.src) {
			return end()
		}
		lx.pos++
		lx.line++
		if nextStartsText(le) {
			return end()
		}
		out = append(out, '\n')
	}
	return end()
}
