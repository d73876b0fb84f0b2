savedcmd_arch/x86/entry/entry_64.o := clang-19 -Wp,-MMD,arch/x86/entry/.entry_64.o.d -nostdinc -I/usr/src/linux-source-6.12/arch/x86/include -I./arch/x86/include/generated -I/usr/src/linux-source-6.12/include -I./include -I/usr/src/linux-source-6.12/arch/x86/include/uapi -I./arch/x86/include/generated/uapi -I/usr/src/linux-source-6.12/include/uapi -I./include/generated/uapi -include /usr/src/linux-source-6.12/include/linux/compiler-version.h -include /usr/src/linux-source-6.12/include/linux/kconfig.h -D__KERNEL__ --target=x86_64-linux-gnu -fintegrated-as -Werror=unknown-warning-option -Werror=ignored-optimization-argument -Werror=option-ignored -Werror=unused-command-line-argument -fmacro-prefix-map=/usr/src/linux-source-6.12/= -D__ASSEMBLY__ -fno-PIE -m64 -I/usr/src/linux-source-6.12/arch/x86/entry -Iarch/x86/entry    -DKBUILD_MODFILE='"arch/x86/entry/entry_64"' -DKBUILD_MODNAME='"entry_64"' -D__KBUILD_MODNAME=kmod_entry_64 -c -o arch/x86/entry/entry_64.o /usr/src/linux-source-6.12/arch/x86/entry/entry_64.S  ; ./tools/objtool/objtool --hacks=jump_label --hacks=noinstr --static-call --uaccess   arch/x86/entry/entry_64.o

source_arch/x86/entry/entry_64.o := /usr/src/linux-source-6.12/arch/x86/entry/entry_64.S

deps_arch/x86/entry/entry_64.o := \
    $(wildcard include/config/STACKPROTECTOR) \
    $(wildcard include/config/X86_FRED) \
    $(wildcard include/config/DEBUG_ENTRY) \
    $(wildcard include/config/X86_L1_CACHE_SHIFT) \
    $(wildcard include/config/AMD_MEM_ENCRYPT) \
    $(wildcard include/config/XEN_PV) \
    $(wildcard include/config/MITIGATION_PAGE_TABLE_ISOLATION) \
    $(wildcard include/config/X86_ESPFIX64) \
  /usr/src/linux-source-6.12/include/linux/compiler-version.h \
    $(wildcard include/config/CC_VERSION_TEXT) \
  /usr/src/linux-source-6.12/include/linux/kconfig.h \
  /usr/src/linux-source-6.12/include/linux/export.h \
  /usr/src/linux-source-6.12/include/linux/compiler.h \
    $(wildcard include/config/X86_64) \

arch/x86/entry/entry_64.o: $(deps_arch/x86/entry/entry_64.o)

$(deps_arch/x86/entry/entry_64.o):

arch/x86/entry/entry_64.o: $(wildcard ./tools/objtool/objtool)
