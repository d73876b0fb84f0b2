package kconfig

import (
	"bufio"
	"io"
)

// Write writes the resolved config in the .config format, byte for byte
// as conf writes it: the heading, menu comments, "# end of" lines.
func (e *Eval) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("#\n# Automatically generated file; DO NOT EDIT.\n# ")
	bw.WriteString(e.t.Root.Prompt.Text)
	bw.WriteString("\n#\n")
	needNewline := false
	e.walkWritten(func(s *Symbol) {
		if needNewline {
			bw.WriteByte('\n')
			needNewline = false
		}
		bw.WriteString(e.entry(s).Line())
		bw.WriteByte('\n')
	}, func(m *Menu, end bool) {
		if end {
			bw.WriteString("# end of " + m.Prompt.Text + "\n")
			needNewline = true
			return
		}
		bw.WriteString("\n#\n# " + m.Prompt.Text + "\n#\n")
		needNewline = false
	})
	return bw.Flush()
}

// WriteConfig resolves c and writes it as `make olddefconfig` would.
func (t *Tree) WriteConfig(w io.Writer, c *Config) error {
	return t.Evaluate(c).Write(w)
}

// SaveDefconfig writes the minimal config that resolves to the same
// values as `make savedefconfig` does: symbols a user can change whose
// value differs from their default.
func (e *Eval) SaveDefconfig(w io.Writer) error {
	bw := bufio.NewWriter(w)
	done := make([]bool, len(e.t.all))
	for m := e.t.Root.List; m != nil; m = m.next(e.t.Root) {
		s := m.Sym
		if s == nil || s.IsChoice() || done[s.id] {
			continue
		}
		e.calc(s)
		st := &e.st[s.id]
		if st.flags&fWrite == 0 {
			continue
		}
		done[s.id] = true
		if !(st.visible > st.revDep) {
			continue
		}
		if e.str(s) == e.stringDefault(s) {
			continue
		}
		if ch := s.choice; ch != nil {
			if e.choiceDefault(ch) == s && st.tri == Yes {
				continue
			}
		}
		if s.Type == Unknown {
			continue
		}
		bw.WriteString(e.entry(s).Line())
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// SaveDefconfig resolves c and writes its minimal form.
func (t *Tree) SaveDefconfig(w io.Writer, c *Config) error {
	return t.Evaluate(c).SaveDefconfig(w)
}

// stringDefault is the value s would take with no user input, as the
// kernel's sym_get_string_default computes it.
func (e *Eval) stringDefault(s *Symbol) string {
	e.calcVisibility(s)
	st := &e.st[s.id]
	val := No
	str := ""
	if p, cond := e.defaultProp(s); p != nil {
		switch s.Type {
		case Bool, Tristate:
			val = minTri(e.expr(p.Expr), cond)
		default:
			if p.Expr.Op == OpSymbol {
				str = e.str(p.Expr.Sym)
			}
		}
	}
	val = maxTri(val, st.revDep)
	if val == Mod && !s.member && e.tri(e.t.Modules) == No {
		val = Yes
	}
	if s.Type == Bool && val == Mod {
		val = Yes
	}
	if val < st.implied {
		val = st.implied
	}
	switch s.Type {
	case Bool, Tristate:
		return val.String()
	case Int:
		if str == "" {
			return "0"
		}
	case Hex:
		if str == "" {
			return "0x0"
		}
	}
	return str
}
