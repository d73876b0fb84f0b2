package kconfig

import (
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/go-multierror"
)

// valueHow is what conf's reader does with a value it reads for a symbol.
type valueHow uint8

const (
	valueSet     valueHow = iota // it takes the value
	valueInvalid                 // it warns that the value is invalid and keeps none
	valueIgnored                 // it keeps none without a word
)

// userValue is how conf's reader (confdata.c's conf_set_sym_val) takes
// en as the value of s: a bool or tristate by the value's first letter,
// a string only in double quotes, an int or hex only as sym_string_valid
// reads the bare number. msg says why a value is not taken, "" when conf
// would have no reason to give (a symbol without a type).
func userValue(s *Symbol, en Entry) (tri Tri, val string, how valueHow, msg string) {
	first := ""
	if !en.Quoted {
		first = en.Value[0:min(1, len(en.Value))]
	}
	switch s.Type {
	case Tristate, Bool:
		switch {
		case first == "m" && s.Type == Tristate:
			return Mod, "", valueSet, ""
		case first == "y":
			return Yes, "", valueSet, ""
		case first == "n":
			return No, "", valueSet, ""
		case s.Type == Bool:
			return No, "", valueInvalid, fmt.Sprintf("%s is a bool: %s is not y or n", s.Name, en.Literal())
		}
		return No, "", valueInvalid, fmt.Sprintf("%s is a tristate: %s is not y, m or n", s.Name, en.Literal())
	case String:
		if !en.Quoted {
			// conf skips a string without its opening quote silently.
			return No, "", valueIgnored, fmt.Sprintf("%s is a string: %s needs double quotes", s.Name, en.Literal())
		}
		return No, en.Value, valueSet, ""
	case Int, Hex:
		kind, number := "an int", "a decimal number"
		if s.Type == Hex {
			kind, number = "a hex", "a hex number"
		}
		switch {
		case en.Quoted:
			return No, "", valueInvalid, fmt.Sprintf("%s is %s: %s is a string, a number takes no quotes", s.Name, kind, en.Literal())
		case !validValue(s.Type, en.Value):
			return No, "", valueInvalid, fmt.Sprintf("%s is %s: %s is not %s", s.Name, kind, en.Literal(), number)
		}
		return No, en.Value, valueSet, ""
	}
	return No, "", valueIgnored, ""
}

// CheckValues checks each assignment of c against its symbol's type, as
// conf reads a .config: a value that conf rejects or skips (an int that
// is no number, a string without quotes) would leave the symbol at its
// default without a word that a log reader would notice. Each is a
// *ConfigError at the entry's position, all in one *multierror.Error.
// unknown lists the entries of symbols the tree does not define, in c's
// order: conf skips them too, but an old config holds many such.
func (t *Tree) CheckValues(c *Config) (unknown []Entry, err error) {
	var errs *multierror.Error
	c.each(func(en Entry) {
		s := t.assigned(en.Name)
		if s == nil {
			unknown = append(unknown, en)
			return
		}
		if _, _, how, msg := userValue(s, en); how != valueSet && msg != "" {
			errs = appendError(errs, &ConfigError{en.Pos, msg + "; conf would ignore the line and keep the default"})
		}
	})
	return unknown, errs.ErrorOrNil()
}

// assigned is the symbol that a .config line names, as conf's sym_find
// looks it up: nil for a name the tree does not define, or a constant.
func (t *Tree) assigned(name string) *Symbol {
	if s := t.syms[name]; s != nil && !s.Const {
		return s
	}
	return nil
}

// validValue reports whether str is a valid value for a symbol of type t,
// as the kernel's sym_string_valid decides.
func validValue(t Type, str string) bool {
	switch t {
	case String:
		return true
	case Int:
		s := str
		if strings.HasPrefix(s, "-") {
			s = s[1:]
		}
		if s == "" || !isDecDigit(s[0]) {
			return false
		}
		if s[0] == '0' && len(s) > 1 {
			return false
		}
		for i := 1; i < len(s); i++ {
			if !isDecDigit(s[i]) {
				return false
			}
		}
		return true
	case Hex:
		s := str
		if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
			s = s[2:]
		}
		if s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			if !isHexDigit(s[i]) {
				return false
			}
		}
		return true
	case Bool, Tristate:
		switch str[0:min(1, len(str))] {
		case "y", "Y", "m", "M", "n", "N":
			return true
		}
	}
	return false
}

func isDecDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDecDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func digitVal(c byte) int {
	switch {
	case isDecDigit(c):
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// strtoll behaves like C's strtoll: leading space, a sign, a 0x prefix
// in base 16 (and base 0, which also reads octal), digits up to the
// first that does not fit, saturation on overflow. It returns the value,
// how many bytes it read (0 when no digits), and whether it overflowed.
func strtoll(s string, base int) (int64, int, bool) {
	u, neg, n, over := strtoraw(s, base)
	if n == 0 {
		return 0, 0, false
	}
	if neg {
		if over || u > 1<<63 {
			return math.MinInt64, n, true
		}
		return -int64(u), n, false
	}
	if over || u > math.MaxInt64 {
		return math.MaxInt64, n, true
	}
	return int64(u), n, false
}

// strtoull is C's strtoull: a minus sign negates the value modulo 2^64.
func strtoull(s string, base int) (uint64, int, bool) {
	u, neg, n, over := strtoraw(s, base)
	if n == 0 {
		return 0, 0, false
	}
	if over {
		return math.MaxUint64, n, true
	}
	if neg {
		return -u, n, false
	}
	return u, n, false
}

func strtoraw(s string, base int) (u uint64, neg bool, n int, over bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	hasPrefix := i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X')
	switch {
	case (base == 16 || base == 0) && hasPrefix && i+2 < len(s) && isHexDigit(s[i+2]):
		i += 2
		base = 16
	case base == 0 && i < len(s) && s[i] == '0':
		base = 8
	case base == 0:
		base = 10
	}
	start := i
	for i < len(s) {
		d := digitVal(s[i])
		if d >= base {
			break
		}
		if u > (math.MaxUint64-uint64(d))/uint64(base) {
			over = true
		}
		u = u*uint64(base) + uint64(d)
		i++
	}
	if i == start {
		return 0, false, 0, false
	}
	return u, neg, i, over
}
