package kconfig

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/hashicorp/go-multierror"
)

// Options say which tree to parse and with what environment.
type Options struct {
	// SrcTree is the root of the kernel tree; source statements are
	// relative to it.
	SrcTree string
	// Kconfig is the top file, relative to SrcTree; "" means "Kconfig".
	Kconfig string
	// Env holds the variables the kernel's Makefile exports to Kconfig
	// (ARCH, SRCARCH, CC, LD, CLANG_FLAGS, srctree, ...). They take
	// precedence over the process environment.
	Env map[string]string
	// Macros caches what $(shell,...) printed; nil means a fresh cache.
	Macros *MacroCache
	// Dir is the working directory of $(shell,...) commands (the
	// compiler probes write temporary files there); "" means a new
	// temporary directory.
	Dir string
	// Stderr receives $(info,...) and $(warning-if,...) output and the
	// commands' own stderr; nil discards it.
	Stderr io.Writer
}

// ParseError is a problem in a Kconfig file.
type ParseError struct {
	Pos Pos
	Msg string
}

func (e *ParseError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Tree is a parsed Kconfig tree: its symbols and its menu tree.
type Tree struct {
	Root *Menu
	// Modules is the symbol with the "modules" option (MODULES), or n.
	Modules *Symbol
	// Warnings are what the kernel's parser would warn about.
	Warnings []Warning
	// EnvUsed holds the environment variables the macros referenced,
	// with their values, as include/config/auto.conf.cmd records them.
	EnvUsed map[string]string

	syms   map[string]*Symbol
	consts map[string]*Symbol
	all    []*Symbol // every non-constant symbol, by id
	yes    *Symbol
	mod    *Symbol
	no     *Symbol
}

// Lookup returns the non-constant symbol called name, or nil.
func (t *Tree) Lookup(name string) *Symbol { return t.syms[name] }

// Symbols returns the symbols that a config or menuconfig entry defines,
// in order of first definition.
func (t *Tree) Symbols() []*Symbol {
	var out []*Symbol
	for _, s := range t.all {
		if s.Name != "" && s.Defined() {
			out = append(out, s)
		}
	}
	return out
}

func (t *Tree) lookup(name string, isConst bool) *Symbol {
	if len(name) == 1 {
		switch name {
		case "y":
			return t.yes
		case "m":
			return t.mod
		case "n":
			return t.no
		}
	}
	if isConst {
		if s, ok := t.consts[name]; ok {
			return s
		}
		s := &Symbol{Name: name, Const: true, id: -1}
		t.consts[name] = s
		return s
	}
	if s, ok := t.syms[name]; ok {
		return s
	}
	s := t.newSymbol(name)
	t.syms[name] = s
	return s
}

func (t *Tree) newSymbol(name string) *Symbol {
	s := &Symbol{Name: name, id: len(t.all)}
	t.all = append(t.all, s)
	return s
}

type parser struct {
	t    *Tree
	opts Options
	root string
	lx   *lexer
	tok  token
	mac  *macros
	errs *multierror.Error

	currentMenu   *Menu // the block entries are added to
	currentEntry  *Menu
	currentChoice *Menu
	lastEntry     **Menu
	files         []string // the source chain, for recursion
	seen          map[string]bool
}

// Parse reads the whole Kconfig tree from its top file. All errors are
// returned together, each with file, line and column.
func Parse(ctx context.Context, opts Options) (*Tree, error) {
	if opts.Kconfig == "" {
		opts.Kconfig = "Kconfig"
	}
	if opts.Macros == nil {
		opts.Macros = NewMacroCache()
	}
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "kcmin-kconfig-")
		if err != nil {
			return nil, fmt.Errorf("parse Kconfig: %w", err)
		}
		defer os.RemoveAll(dir)
		opts.Dir = dir
	}
	t := &Tree{
		syms:   map[string]*Symbol{},
		consts: map[string]*Symbol{},
		yes:    &Symbol{Name: "y", Type: Tristate, Const: true, tri: Yes, id: -1},
		mod:    &Symbol{Name: "m", Type: Tristate, Const: true, tri: Mod, id: -1},
		no:     &Symbol{Name: "n", Type: Tristate, Const: true, tri: No, id: -1},
	}
	t.Root = &Menu{Kind: MenuRoot}
	p := &parser{t: t, opts: opts, root: opts.SrcTree, seen: map[string]bool{}}
	p.mac = newMacros(ctx, opts.Env, opts.Macros, opts.Dir, opts.Stderr)
	p.mac.errf = p.errorAt
	p.mac.warnf = p.warnAt
	p.currentMenu = t.Root
	p.currentEntry = t.Root
	p.lastEntry = &t.Root.List

	p.parseFile(opts.Kconfig, Pos{}, true)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("parse Kconfig: %w", err)
	}
	t.EnvUsed = p.mac.used
	if t.Modules == nil {
		t.Modules = t.no
	}
	if t.Root.Prompt == nil {
		t.Root.Prompt = &Property{Kind: PropMenu, Text: "Main menu", Menu: t.Root}
	}
	if p.errs.ErrorOrNil() == nil {
		p.finalize()
	}
	return t, p.errs.ErrorOrNil()
}

func (p *parser) errorAt(pos Pos, msg string) {
	p.errs = multierror.Append(p.errs, &ParseError{Pos: pos, Msg: msg})
	p.errs.ErrorFormat = listErrors
}

func (p *parser) warnAt(pos Pos, msg string) {
	p.t.Warnings = append(p.t.Warnings, Warning{Pos: pos, Msg: msg})
}

func (p *parser) pos() Pos { return Pos{File: p.lx.file, Line: p.tok.line, Col: p.tok.col} }

func (p *parser) stmtPos() Pos { return Pos{File: p.lx.file, Line: p.lx.stmtLine} }

func (p *parser) advance() { p.tok = p.lx.next() }

func (p *parser) errorf(format string, args ...any) {
	p.errorAt(p.pos(), fmt.Sprintf(format, args...))
}

// skipLine drops the rest of a bad statement.
func (p *parser) skipLine() {
	for p.tok.kind != tEOL && p.tok.kind != tEOF {
		p.advance()
	}
	if p.tok.kind == tEOL {
		p.advance()
	}
}

// expectEOL ends a statement; anything else on the line is an error.
func (p *parser) expectEOL() bool {
	if p.tok.kind == tEOL {
		p.advance()
		return true
	}
	if p.tok.kind == tEOF {
		return true
	}
	p.errorf("unexpected %s, expected end of line", p.tok.describe())
	p.skipLine()
	return false
}

func (p *parser) parseFile(name string, from Pos, top bool) {
	for _, f := range p.files {
		if f == name {
			chain := strings.Join(p.files, " -> ")
			p.errorAt(from, fmt.Sprintf("recursive inclusion of %q (%s)", name, chain))
			return
		}
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.root, name)
	}
	data, err := os.ReadFile(path)
	// The scanner's tokens are slices of the file: share its bytes,
	// which nothing writes to after this, rather than copy them.
	src := unsafe.String(unsafe.SliceData(data), len(data))
	if err != nil {
		if from.File == "" {
			p.errorAt(Pos{File: name}, fmt.Sprintf("can't open file: %v", err))
		} else {
			p.errorAt(from, fmt.Sprintf("can't open file %q", name))
		}
		return
	}
	if n := len(src); n > 0 && src[n-1] != '\n' {
		p.warnAt(Pos{File: name}, "no new line at end of file")
	}
	saved, savedTok := p.lx, p.tok
	p.files = append(p.files, name)
	p.lx = newLexer(name, src, p.mac, p.errorAt, p.warnAt)
	p.advance()
	if top && p.tok.kind == tMainmenu {
		p.advance()
		if text, ok := p.quoted("mainmenu"); ok {
			p.addPrompt(PropMenu, text, nil)
			p.expectEOL()
		}
	}
	for {
		p.stmtList(false, nil)
		if p.tok.kind == tEOF {
			break
		}
		// an end token with no block open in this file
		p.errorf("unexpected %s: no block is open in this file", p.tok.describe())
		p.skipLine()
	}
	p.files = p.files[:len(p.files)-1]
	p.lx, p.tok = saved, savedTok
}

// stmtList parses statements up to the end of the file or an end token,
// which it leaves for the caller. inChoice allows only what a choice
// block may hold.
func (p *parser) stmtList(inChoice bool, block *Menu) {
	for {
		if p.opts.Macros != nil && p.mac.ctx.Err() != nil {
			return
		}
		switch p.tok.kind {
		case tEOF, tEndmenu, tEndchoice, tEndif:
			return
		case tConfig:
			p.configStmt(false)
		case tMenuconfig:
			if inChoice {
				p.errorf("invalid statement: menuconfig inside a choice")
				p.skipLine()
				continue
			}
			p.configStmt(true)
		case tComment:
			p.commentStmt()
		case tIf:
			p.ifStmt(inChoice)
		case tChoice:
			if inChoice {
				p.errorf("invalid statement: choice inside a choice")
				p.skipLine()
				continue
			}
			p.choiceStmt()
		case tMenu:
			if inChoice {
				p.errorf("invalid statement: menu inside a choice")
				p.skipLine()
				continue
			}
			p.menuStmt()
		case tSource:
			if inChoice {
				p.errorf("invalid statement: source inside a choice")
				p.skipLine()
				continue
			}
			p.sourceStmt()
		case tWord:
			name := p.tok.text
			p.advance()
			switch p.tok.kind {
			case tEqual, tColonEqual, tPlusEqual:
				if inChoice {
					p.errorf("invalid statement: assignment inside a choice")
					p.skipLine()
					continue
				}
				p.assignment(name)
			default:
				p.errorAt(Pos{File: p.lx.file, Line: p.lx.stmtLine}, fmt.Sprintf("unknown statement %q", name))
				p.skipLine()
			}
		case tMainmenu:
			p.errorf("mainmenu must be the first statement of the top Kconfig file")
			p.skipLine()
		default:
			p.errorf("invalid statement: unexpected %s", p.tok.describe())
			p.skipLine()
		}
	}
}

func (p *parser) assignment(name string) {
	fl := flavorRecursive
	switch p.tok.kind {
	case tColonEqual:
		fl = flavorSimple
	case tPlusEqual:
		fl = flavorAppend
	}
	p.mac.pos = p.pos()
	p.advance()
	val := ""
	if p.tok.kind == tAssignVal {
		val = p.tok.text
		p.advance()
	}
	p.mac.add(name, val, fl)
	p.expectEOL()
}

// addEntry appends a menu entry to the current block.
func (p *parser) addEntry(kind MenuKind, sym *Symbol) *Menu {
	m := &Menu{Kind: kind, Sym: sym, Parent: p.currentMenu, Pos: p.stmtPos()}
	*p.lastEntry = m
	p.lastEntry = &m.Next
	p.currentEntry = m
	if sym != nil {
		sym.Menus = append(sym.Menus, m)
	}
	return m
}

// openBlock makes the current entry the block new entries go into.
func (p *parser) openBlock() *Menu {
	p.lastEntry = &p.currentEntry.List
	p.currentMenu = p.currentEntry
	return p.currentMenu
}

func (p *parser) closeBlock() {
	p.lastEntry = &p.currentMenu.Next
	p.currentMenu = p.currentMenu.Parent
}

// endBlock checks and consumes the end token of block.
func (p *parser) endBlock(block *Menu, want tokKind, what string) {
	if p.tok.kind == tEOF {
		p.errorAt(block.Pos, fmt.Sprintf("missing end statement for this %s", what))
		p.closeBlock()
		return
	}
	if p.tok.kind != want {
		p.errorf("unexpected %s within %s block", p.tok.describe(), what)
		p.advance()
		p.expectEOL()
		p.closeBlock()
		return
	}
	if block.Pos.File != p.lx.file {
		p.errorf("%s in different file than '%s' (opened at %s)", p.tok.describe(), what, block.Pos)
	}
	p.advance()
	p.expectEOL()
	p.closeBlock()
}

func (p *parser) setType(t Type) {
	s := p.currentEntry.Sym
	if s.Type == t {
		return
	}
	if s.Type == Unknown {
		s.Type = t
		return
	}
	p.warnAt(p.stmtPos(), fmt.Sprintf("ignoring type redefinition of '%s' from '%s' to '%s'", s, s.Type, t))
}

func (p *parser) addProp(kind PropKind, e, cond *Expr) *Property {
	prop := &Property{Kind: kind, Expr: e, OwnCond: cond, Menu: p.currentEntry, Pos: p.stmtPos()}
	if s := p.currentEntry.Sym; s != nil {
		s.Props = append(s.Props, prop)
	}
	return prop
}

func (p *parser) addPrompt(kind PropKind, text string, cond *Expr) {
	prop := p.addProp(kind, nil, cond)
	if t := strings.TrimLeft(text, " \t\n\v\f\r"); t != text {
		p.warnAt(prop.Pos, "leading whitespace ignored")
		text = t
	}
	if p.currentEntry.Prompt != nil {
		p.warnAt(prop.Pos, "prompt redefined")
	}
	prop.Text = text
	if kind == PropPrompt {
		// every enclosing menu's "visible if" limits the prompt
		for m := p.currentEntry.Parent; m != nil; m = m.Parent {
			if m.Visibility != nil {
				prop.visibility = and(prop.visibility, m.Visibility)
			}
		}
	}
	p.currentEntry.Prompt = prop
}

func (p *parser) symbolName() (*Symbol, bool) {
	if p.tok.kind != tWord {
		p.errorf("expected a symbol name, found %s", p.tok.describe())
		p.skipLine()
		return nil, false
	}
	s := p.t.lookup(p.tok.text, false)
	p.advance()
	return s, true
}

func (p *parser) configStmt(menuconfig bool) {
	p.advance()
	if p.tok.kind != tWord {
		p.errorf("expected a symbol name after config, found %s", p.tok.describe())
		p.skipLine()
		return
	}
	sym := p.t.lookup(p.tok.text, false)
	if sym.Const || sym == p.t.yes || sym == p.t.mod || sym == p.t.no {
		p.errorf("can't define the constant %s", p.tok.text)
		p.skipLine()
		return
	}
	kind := MenuConfig
	if menuconfig {
		kind = MenuMenuconfig
	}
	p.advance()
	entry := p.addEntry(kind, sym)
	p.expectEOL()
	p.configOptions()
	if menuconfig {
		if entry.Prompt != nil {
			entry.Prompt.Kind = PropMenu
		} else {
			p.warnAt(entry.Pos, "menuconfig statement without prompt")
		}
	}
	if ch := p.currentChoice; ch != nil && !menuconfig {
		if entry.Prompt == nil {
			p.errorAt(entry.Pos, "choice member must have a prompt")
		}
		if sym.Type != Bool {
			p.errorAt(entry.Pos, "choice member must be bool")
		}
		if !sym.member {
			sym.member = true
			ch.Members = append(ch.Members, sym)
		}
	}
}

func (p *parser) configOptions() {
	for {
		switch p.tok.kind {
		case tBool, tTristate, tInt, tHex, tString:
			t := typeOfToken(p.tok.kind)
			p.advance()
			p.setType(t)
			if p.tok.kind == tWordQuote {
				text := p.tok.text
				p.advance()
				cond, ok := p.ifExpr()
				if !ok {
					continue
				}
				p.addPrompt(PropPrompt, text, cond)
			}
			p.expectEOL()
		case tPrompt:
			p.advance()
			p.promptLine("prompt")
		case tDefault, tDefBool, tDefTristate:
			t := typeOfToken(p.tok.kind)
			p.advance()
			e, ok := p.expr()
			if !ok {
				continue
			}
			cond, ok := p.ifExpr()
			if !ok {
				continue
			}
			p.addProp(PropDefault, e, cond)
			if t != Unknown {
				p.setType(t)
			}
			p.expectEOL()
		case tSelect, tImply:
			kind := PropSelect
			if p.tok.kind == tImply {
				kind = PropImply
			}
			p.advance()
			s, ok := p.symbolName()
			if !ok {
				continue
			}
			cond, ok := p.ifExpr()
			if !ok {
				continue
			}
			p.addProp(kind, symExpr(s), cond)
			p.expectEOL()
		case tRange:
			p.advance()
			a, ok := p.symbol()
			if !ok {
				continue
			}
			b, ok := p.symbol()
			if !ok {
				continue
			}
			cond, ok := p.ifExpr()
			if !ok {
				continue
			}
			p.addProp(PropRange, &Expr{Op: OpLessEqual, Sym: a, Sym2: b}, cond)
			p.expectEOL()
		case tModules:
			p.advance()
			s := p.currentEntry.Sym
			if p.t.Modules != nil && p.t.Modules != s {
				p.errorAt(p.stmtPos(), fmt.Sprintf("symbol '%s' redefines option 'modules' already defined by symbol '%s'", s, p.t.Modules))
			}
			p.t.Modules = s
			p.expectEOL()
		case tDepends:
			p.dependsOn()
		case tHelp:
			p.help()
		case tWord:
			if p.tok.text == "transitional" {
				p.advance()
				p.currentEntry.Sym.Transitional = true
				p.expectEOL()
				continue
			}
			return
		default:
			return
		}
	}
}

func (p *parser) dependsOn() {
	p.advance()
	if p.tok.kind != tOn {
		p.errorf("expected \"on\" after depends, found %s", p.tok.describe())
		p.skipLine()
		return
	}
	p.advance()
	e, ok := p.expr()
	if !ok {
		return
	}
	p.currentEntry.OwnDep = and(p.currentEntry.OwnDep, e)
	p.expectEOL()
}

func (p *parser) help() {
	entry := p.currentEntry
	p.advance()
	if p.tok.kind != tEOL {
		p.errorf("unexpected %s after help", p.tok.describe())
		p.skipLine()
		return
	}
	// The help text starts on the next line: switch the scanner before
	// it reads on.
	p.lx.startHelp()
	p.lx.prevPrev, p.lx.prev = p.lx.prev, tEOL
	t := p.lx.scan()
	p.lx.prevPrev, p.lx.prev = p.lx.prev, tHelpText
	if entry.helpRaw != "" {
		p.warnAt(p.stmtPos(), fmt.Sprintf("'%s' defined with more than one help text -- only the last one will be used", entry.Title()))
	}
	if t.col < 0 {
		name := "<choice>"
		if entry.Sym != nil && entry.Sym.Name != "" {
			name = entry.Sym.Name
		}
		p.warnAt(p.stmtPos(), fmt.Sprintf("'%s' defined with blank help text", name))
	}
	entry.helpRaw = t.text
	p.advance()
}

// quoted reads the quoted text after a keyword; what names it in the
// error when it is missing, and the rest of the line is dropped.
func (p *parser) quoted(what string) (string, bool) {
	if p.tok.kind != tWordQuote {
		p.errorf("%s needs a quoted text, found %s", what, p.tok.describe())
		p.skipLine()
		return "", false
	}
	text := p.tok.text
	p.advance()
	return text, true
}

// promptLine reads `"text" [if expr]` and adds the prompt.
func (p *parser) promptLine(what string) {
	text, ok := p.quoted(what)
	if !ok {
		return
	}
	cond, ok := p.ifExpr()
	if !ok {
		return
	}
	p.addPrompt(PropPrompt, text, cond)
	p.expectEOL()
}

func (p *parser) ifExpr() (*Expr, bool) {
	if p.tok.kind != tIf {
		return nil, true
	}
	p.advance()
	return p.expr()
}

func (p *parser) choiceStmt() {
	p.advance()
	sym := p.t.newSymbol("")
	entry := p.addEntry(MenuChoice, sym)
	sym.Type = Bool
	p.expectEOL()
	for done := false; !done; {
		switch p.tok.kind {
		case tPrompt, tBool:
			p.advance()
			p.promptLine("choice prompt")
		case tDefault:
			p.advance()
			s, ok := p.symbolName()
			if !ok {
				continue
			}
			cond, ok := p.ifExpr()
			if !ok {
				continue
			}
			p.addProp(PropDefault, symExpr(s), cond)
			p.expectEOL()
		case tDepends:
			p.dependsOn()
		case tHelp:
			p.help()
		default:
			done = true
		}
	}
	if entry.Prompt == nil {
		p.errorAt(entry.Pos, "choice must have a prompt")
	}
	block := p.openBlock()
	saved := p.currentChoice
	p.currentChoice = entry
	p.stmtList(true, block)
	p.currentChoice = saved
	p.endBlock(block, tEndchoice, "choice")
}

func (p *parser) ifStmt(inChoice bool) {
	p.advance()
	e, ok := p.expr()
	if !ok {
		e = nil
	}
	entry := p.addEntry(MenuIf, nil)
	entry.OwnDep = e
	p.expectEOL()
	block := p.openBlock()
	p.stmtList(inChoice, block)
	p.endBlock(block, tEndif, "if")
}

func (p *parser) menuStmt() {
	p.advance()
	text, ok := p.quoted("menu")
	if !ok {
		return
	}
	p.addEntry(MenuMenu, nil)
	p.addPrompt(PropMenu, text, nil)
	p.expectEOL()
	for done := false; !done; {
		switch p.tok.kind {
		case tVisible:
			p.advance()
			cond, ok := p.ifExpr()
			if !ok {
				continue
			}
			if cond == nil {
				cond = symExpr(p.t.yes)
			}
			p.currentEntry.Visibility = and(p.currentEntry.Visibility, cond)
			p.expectEOL()
		case tDepends:
			p.dependsOn()
		default:
			done = true
		}
	}
	block := p.openBlock()
	p.stmtList(false, block)
	p.endBlock(block, tEndmenu, "menu")
}

func (p *parser) commentStmt() {
	p.advance()
	text, ok := p.quoted("comment")
	if !ok {
		return
	}
	p.addEntry(MenuComment, nil)
	p.addPrompt(PropComment, text, nil)
	p.expectEOL()
	for p.tok.kind == tDepends {
		p.dependsOn()
	}
}

func (p *parser) sourceStmt() {
	from := p.pos()
	p.advance()
	name, ok := p.quoted("source")
	if !ok {
		return
	}
	if p.tok.kind != tEOL && p.tok.kind != tEOF {
		p.errorf("unexpected %s after source", p.tok.describe())
		p.skipLine()
		return
	}
	// The next file's tokens come before the rest of this one: read it
	// now, then go on after the end of line.
	p.parseFile(name, from, false)
	if p.tok.kind == tEOL {
		p.advance()
	}
}

// Expressions: || binds loosest, then &&, then !, comparisons and
// parentheses.
func (p *parser) expr() (*Expr, bool) {
	l, ok := p.andExpr()
	if !ok {
		return nil, false
	}
	for p.tok.kind == tOr {
		p.advance()
		r, ok := p.andExpr()
		if !ok {
			return nil, false
		}
		l = &Expr{Op: OpOr, L: l, R: r}
	}
	return l, true
}

func (p *parser) andExpr() (*Expr, bool) {
	l, ok := p.unary()
	if !ok {
		return nil, false
	}
	for p.tok.kind == tAnd {
		p.advance()
		r, ok := p.unary()
		if !ok {
			return nil, false
		}
		l = &Expr{Op: OpAnd, L: l, R: r}
	}
	return l, true
}

func compareOp(k tokKind) (Op, bool) {
	switch k {
	case tEqual:
		return OpEqual, true
	case tUnequal:
		return OpUnequal, true
	case tLess:
		return OpLess, true
	case tLessEqual:
		return OpLessEqual, true
	case tGreater:
		return OpGreater, true
	case tGreaterEqual:
		return OpGreaterEqual, true
	}
	return 0, false
}

// typeOfToken maps type keywords, and def_bool and def_tristate, to
// types; default gives Unknown.
func typeOfToken(k tokKind) Type {
	switch k {
	case tBool, tDefBool:
		return Bool
	case tTristate, tDefTristate:
		return Tristate
	case tInt:
		return Int
	case tHex:
		return Hex
	case tString:
		return String
	}
	return Unknown
}

func (p *parser) unary() (*Expr, bool) {
	switch p.tok.kind {
	case tNot:
		p.advance()
		e, ok := p.unary()
		if !ok {
			return nil, false
		}
		return &Expr{Op: OpNot, L: e}, true
	case tOpenParen:
		p.advance()
		e, ok := p.expr()
		if !ok {
			return nil, false
		}
		if p.tok.kind != tCloseParen {
			p.errorf("expected \")\", found %s", p.tok.describe())
			p.skipLine()
			return nil, false
		}
		p.advance()
		return e, true
	}
	s, ok := p.symbol()
	if !ok {
		return nil, false
	}
	if op, isCmp := compareOp(p.tok.kind); isCmp {
		p.advance()
		s2, ok := p.symbol()
		if !ok {
			return nil, false
		}
		return &Expr{Op: op, Sym: s, Sym2: s2}, true
	}
	return symExpr(s), true
}

func (p *parser) symbol() (*Symbol, bool) {
	switch p.tok.kind {
	case tWord:
		s := p.t.lookup(p.tok.text, false)
		p.advance()
		return s, true
	case tWordQuote:
		s := p.t.lookup(p.tok.text, true)
		p.advance()
		return s, true
	}
	p.errorf("expected a symbol or a value, found %s", p.tok.describe())
	p.skipLine()
	return nil, false
}
