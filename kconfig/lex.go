package kconfig

import (
	"fmt"
	"strings"
)

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
	src   string
	pos   int
	line  int // line of pos
	bol   int // offset where the line of pos begins
	state lexState
	mac   *macros

	prev, prevPrev tokKind
	stmtLine       int // line of the current statement's first token

	errs func(Pos, string)
	warn func(Pos, string)
}

func newLexer(file string, src string, mac *macros, errs, warn func(Pos, string)) *lexer {
	return &lexer{file: file, src: src, line: 1, mac: mac, prev: tEOL, prevPrev: tEOL, errs: errs, warn: warn}
}

func (lx *lexer) posAt(line, col int) Pos { return Pos{File: lx.file, Line: line, Col: col} }

func (lx *lexer) col(at int) int { return at - lx.bol + 1 }

// newline moves past a newline at pos-1.
func (lx *lexer) newline() {
	lx.line++
	lx.bol = lx.pos
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
			lx.newline()
			continue
		case c == '\n':
			t := mk(tEOL, 1)
			lx.newline()
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
				w := lx.src[lx.pos:end]
				lx.pos = end
				if k, ok := keyword(w); ok {
					return token{kind: k, text: w, line: line, col: lx.col(start)}
				}
				return token{kind: tWord, text: w, line: line, col: lx.col(start)}
			}
			// A word with a macro in it: expand one token from the
			// rest of the line; the expansion is one word, whatever
			// it holds.
			lineEnd := lx.lineEnd(lx.pos)
			pos := lx.posAt(line, lx.col(start))
			out, used := lx.mac.expandToken(lx.src[lx.pos:lineEnd], pos)
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
	// The common string has no escape and no macro: a plain slice.
	for i := lx.pos; i < len(lx.src); i++ {
		c := lx.src[i]
		if c == quote {
			t := token{kind: tWordQuote, text: lx.src[lx.pos:i], line: line, col: lx.col(start)}
			lx.pos = i + 1
			return t
		}
		if c == '$' || c == '\\' || c == '\n' {
			break
		}
	}
	var out []byte
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == '$':
			lineEnd := lx.lineEnd(lx.pos)
			exp, used := lx.mac.expandDollar(lx.src[lx.pos+1:lineEnd], lx.posAt(line, lx.col(lx.pos)))
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
		lx.newline()
		return t
	}
	end := lx.lineEnd(lx.pos)
	t := token{kind: tAssignVal, text: lx.src[lx.pos:end], line: lx.line, col: lx.col(lx.pos)}
	lx.pos = end
	return t
}

// startHelp switches to help text after the "help" line.
func (lx *lexer) startHelp() { lx.state = stHelp }

// scanHelp finds the end of a help text: the lines indented at least as
// deep as its first line, as the kernel's scanner measures indentation
// (a tab moves to the next multiple of eight). The token holds the raw
// lines; helpText turns them into the text.
func (lx *lexer) scanHelp() token {
	line := lx.line
	start := lx.pos
	n, text := helpScan(lx.src[start:], nil)
	for _, c := range lx.src[start : start+n] {
		if c == '\n' {
			lx.line++
		}
	}
	lx.pos = start + n
	lx.bol = lx.pos
	for lx.bol > 0 && lx.src[lx.bol-1] != '\n' {
		lx.bol--
	}
	lx.state = stInitial
	// The raw text keeps the character after the help: where the text
	// ends depends on it, when helpText scans it again.
	t := token{kind: tHelpText, text: lx.src[start:min(lx.pos+1, len(lx.src))], line: line}
	if !text {
		t.col = -1 // marks a blank help text
	}
	return t
}

// helpText returns the text of a raw help region.
func helpText(raw string) string {
	var out []byte
	helpScan(raw, &out)
	return string(out)
}

// helpScan runs the kernel scanner's help state over src and returns how
// many bytes the help text takes and whether it has any text; with out,
// it also builds the text.
func helpScan(src string, out *[]byte) (int, bool) {
	add := func(s string) {
		if out != nil {
			*out = append(*out, s...)
		}
	}
	firstTS, lastTS := 0, 0
	sawText := false
	// nextStartsText reports whether the line after a newline at i
	// starts with a character that is not blank.
	nextStartsText := func(i int) bool {
		return i+1 < len(src) && src[i+1] != ' ' && src[i+1] != '\t' && src[i+1] != '\n'
	}
	pos := 0
	for pos < len(src) {
		ws := pos
		for ws < len(src) && (src[ws] == ' ' || src[ws] == '\t') {
			ws++
		}
		if ws == len(src) {
			return ws, sawText
		}
		if src[ws] == '\n' {
			pos = ws + 1
			if nextStartsText(ws) {
				return pos, sawText
			}
			add("\n")
			continue
		}
		if ws > pos {
			ts := 0
			for _, c := range src[pos:ws] {
				if c == '\t' {
					ts = (ts &^ 7) + 8
				} else {
					ts++
				}
			}
			lastTS = ts
			if firstTS != 0 {
				if ts < firstTS {
					return ws, sawText
				}
				add(strings.Repeat(" ", ts-firstTS))
			}
		}
		le := ws
		for le < len(src) && src[le] != '\n' {
			le++
		}
		text := strings.TrimRight(src[ws:le], " \t")
		add(text)
		sawText = sawText || text != ""
		if firstTS == 0 {
			firstTS = lastTS
		}
		if le == len(src) {
			return le, sawText
		}
		pos = le + 1
		if nextStartsText(le) {
			return pos, sawText
		}
		add("\n")
	}
	return pos, sawText
}

// keyword returns the keyword token for a word.
func keyword(w string) (tokKind, bool) {
	switch w {
	case "bool":
		return tBool, true
	case "choice":
		return tChoice, true
	case "comment":
		return tComment, true
	case "config":
		return tConfig, true
	case "def_bool":
		return tDefBool, true
	case "def_tristate":
		return tDefTristate, true
	case "default":
		return tDefault, true
	case "depends":
		return tDepends, true
	case "endchoice":
		return tEndchoice, true
	case "endif":
		return tEndif, true
	case "endmenu":
		return tEndmenu, true
	case "help":
		return tHelp, true
	case "hex":
		return tHex, true
	case "if":
		return tIf, true
	case "imply":
		return tImply, true
	case "int":
		return tInt, true
	case "mainmenu":
		return tMainmenu, true
	case "menu":
		return tMenu, true
	case "menuconfig":
		return tMenuconfig, true
	case "modules":
		return tModules, true
	case "on":
		return tOn, true
	case "prompt":
		return tPrompt, true
	case "range":
		return tRange, true
	case "select":
		return tSelect, true
	case "source":
		return tSource, true
	case "string":
		return tString, true
	case "tristate":
		return tTristate, true
	case "visible":
		return tVisible, true
	}
	return 0, false
}
