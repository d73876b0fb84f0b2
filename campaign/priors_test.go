package campaign

import "testing"

func TestPrior(t *testing.T) {
	kasan := prior(Option{Name: "KASAN", DefinedIn: "lib/Kconfig.kasan", Base: "n", Bad: "y"}, []string{"Kernel hacking"}, true)
	driver := prior(Option{Name: "E1000", DefinedIn: "drivers/net/Kconfig", Base: "n", Bad: "y"}, []string{"Device Drivers"}, true)
	module := prior(Option{Name: "E1000E", DefinedIn: "drivers/net/Kconfig", Base: "n", Bad: "m"}, []string{"Device Drivers"}, true)
	moduleNoImage := prior(Option{Name: "E1000E", DefinedIn: "drivers/net/Kconfig", Base: "n", Bad: "m"}, []string{"Device Drivers"}, false)
	arch := prior(Option{Name: "X86_5LEVEL", DefinedIn: "arch/x86/Kconfig", Base: "n", Bad: "y"}, []string{"Processor type and features"}, true)
	if !(kasan > arch && arch > driver && driver > module) {
		t.Errorf("priors out of order: KASAN %v, arch %v, driver %v, module %v", kasan, arch, driver, module)
	}
	if moduleNoImage != driver {
		t.Errorf("=m weighs %v when the failure is not in the image, want %v as =y", moduleNoImage, driver)
	}
}
