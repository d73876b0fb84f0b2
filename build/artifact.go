// Package build runs the kernel's make for kcmin: it resolves a config in a
// build dir (olddefconfig) and builds a target there, every process in its
// own group with a timeout. It also reads toolchain facts.
package build

import "time"

// Artifact is what one build left behind, for the oracle to judge. Paths
// are absolute; a path is empty when the build did not produce that file.
type Artifact struct {
	Source   string // the kernel tree
	Dir      string // the build dir (O=)
	Config   string // the .config the build used
	Log      string // make's combined output
	Vmlinux  string
	VmlinuxO string
	Image    string // the target's file, e.g. arch/x86/boot/bzImage

	Target   string
	ExitCode int  // make's exit status; -1 when it did not finish
	TimedOut bool // killed at the build timeout
	Duration time.Duration
	// PeakRSS is the largest resident set of one process of the build,
	// in bytes (see RunResult.PeakRSS); 0 when unknown.
	PeakRSS int64
	// OOMKilled says that the build failed because the kernel's OOM
	// killer killed a process of it, which OOMReason explains: a failure
	// of the machine's memory, not of the config.
	OOMKilled bool
	OOMReason string
}

// OK reports whether make finished with status 0.
func (a *Artifact) OK() bool { return a.ExitCode == 0 && !a.TimedOut }
