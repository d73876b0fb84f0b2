// Package kconfig reads the kernel's Kconfig language and its .config files,
// and resolves a config the way `make olddefconfig` does. Everything kcmin
// decides about options (which can be set, what they depend on, where they
// are defined) comes from here; the package imports nothing else of kcmin.
//
// Symbol names carry no CONFIG_ prefix inside this package's API: the prefix
// belongs to the .config file format alone.
package kconfig

import "fmt"

// Pos is a position in a Kconfig or .config file.
type Pos struct {
	File string
	Line int // 1-based; 0 when unknown
	Col  int // 1-based; 0 when unknown
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Type is a symbol's type.
type Type uint8

const (
	Unknown Type = iota
	Bool
	Tristate
	String
	Int
	Hex
)

var typeNames = [...]string{"unknown", "bool", "tristate", "string", "int", "hex"}

func (t Type) String() string { return typeNames[t] }

// Tri is a tristate value.
type Tri uint8

const (
	No Tri = iota
	Mod
	Yes
)

func (v Tri) String() string { return [...]string{"n", "m", "y"}[v] }

func minTri(a, b Tri) Tri {
	if a < b {
		return a
	}
	return b
}

func maxTri(a, b Tri) Tri {
	if a > b {
		return a
	}
	return b
}
