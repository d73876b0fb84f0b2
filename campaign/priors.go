package campaign

import (
	"strings"
)

// Priors weigh the candidates by how likely each is to matter, from what
// the kernel says of it, so that the search reverts the unlikely ones in
// big pools first. A wrong prior costs little: the search mixes the
// weights with a uniform guess.

// instrumentation names options that change how the whole kernel is
// compiled or instrumented: the usual suspects of objtool warnings, early
// boot hangs and link failures.
var instrumentation = []string{
	"KASAN", "KCSAN", "KMSAN", "UBSAN", "KCOV", "GCOV", "LLVM_COV", "FORTIFY",
	"STACKPROTECTOR", "CFI", "LTO", "DEBUG_INFO", "FRAME_POINTER", "RETPOLINE",
	"MITIGATION", "RETHUNK", "SLS", "CC_", "INIT_STACK", "ZERO_CALL_USED_REGS",
	"PROFILE", "FTRACE", "FUNCTION_TRACER", "KPROBE", "SANITIZE", "LOCKDEP",
	"PROVE_LOCKING", "DEBUG_ENTRY", "NOINSTR", "OBJTOOL", "STACK_VALIDATION",
	"SHADOW_CALL_STACK", "RANDSTRUCT", "GCC_PLUGIN", "TRIM_UNUSED", "LD_DEAD_CODE",
	"RELOCATABLE", "RANDOMIZE", "MEM_ENCRYPT", "SEV", "TDX", "PARAVIRT", "XEN",
	"HYPERVISOR", "SMP", "PREEMPT", "CONTEXT_TRACKING", "NO_HZ",
}

// debugMenus are menus whose options tune the whole kernel.
var debugMenus = []string{"Kernel hacking", "Compile-time checks", "Security options",
	"Processor type and features", "General setup", "Mitigations", "Memory Debugging"}

// prior is the relative likelihood that o is a culprit. image says the
// failure is in the kernel image (its build, vmlinux.o's objtool pass, a
// boot), where code that becomes a module has no part.
func prior(o Option, menus []string, image bool) float64 {
	w := 1.0
	if matchesAny(o.Name, instrumentation) {
		w *= 4
	}
	for _, m := range menus {
		if matchesAny(m, debugMenus) {
			w *= 2
			break
		}
	}
	switch {
	case strings.HasPrefix(o.DefinedIn, "arch/"):
		w *= 2
	case strings.HasPrefix(o.DefinedIn, "drivers/"), strings.HasPrefix(o.DefinedIn, "sound/"),
		strings.HasPrefix(o.DefinedIn, "net/"), strings.HasPrefix(o.DefinedIn, "fs/"):
		w /= 2
	}
	if image && o.Bad == "m" && (o.Base == "n" || o.Base == "m") {
		// a module built or not: vmlinux is the same but for what it
		// selects
		w /= 4
	}
	return w
}

func matchesAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// SetPriors weighs each candidate by its likeliest option.
func (cs Candidates) SetPriors(menuPath func(name string) []string, image bool) {
	for i := range cs.List {
		best := 0.0
		for _, o := range cs.List[i].Options {
			best = max(best, prior(o, menuPath(o.Name), image))
		}
		cs.List[i].Prior = best
	}
}
