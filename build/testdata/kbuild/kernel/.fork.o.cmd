savedcmd_kernel/fork.o := clang-19 -Wp,-MMD,kernel/.fork.o.d -nostdinc -I/usr/src/linux-source-6.12/arch/x86/include -I./arch/x86/include/generated -I/usr/src/linux-source-6.12/include -I./include -I/usr/src/linux-source-6.12/arch/x86/include/uapi -I./arch/x86/include/generated/uapi -I/usr/src/linux-source-6.12/include/uapi -I./include/generated/uapi -include /usr/src/linux-source-6.12/include/linux/compiler-version.h -include /usr/src/linux-source-6.12/include/linux/kconfig.h -include /usr/src/linux-source-6.12/include/linux/compiler_types.h -D__KERNEL__ --target=x86_64-linux-gnu -fintegrated-as -Werror=unknown-warning-option -Werror=ignored-optimization-argument -Werror=option-ignored -Werror=unused-command-line-argument -fmacro-prefix-map=/usr/src/linux-source-6.12/= -std=gnu11 -fshort-wchar -funsigned-char -fno-common -fno-PIE -fno-strict-aliasing -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx -fcf-protection=none -m64 -falign-loops=1 -mno-80387 -mno-fp-ret-in-387 -mstack-alignment=8 -mskip-rax-setup -mtune=generic -mno-red-zone -mcmodel=kernel -Wno-sign-compare -fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks -Os -fno-stack-protector -fomit-frame-pointer -ftrivial-auto-var-init=zero -fno-stack-clash-protection -falign-functions=16 -fstrict-flex-arrays=3 -fno-strict-overflow -fno-stack-check -fno-builtin-wcslen -fno-builtin-wcslen -Wall -Wextra -Wundef -Werror=implicit-function-declaration -Werror=implicit-int -Werror=return-type -Werror=strict-prototypes -Wno-format-security -Wno-trigraphs -Wno-frame-address -Wno-address-of-packed-member -Wmissing-declarations -Wmissing-prototypes -Wframe-larger-than=2048 -Wno-gnu -Wno-format-overflow-non-kprintf -Wno-format-truncation-non-kprintf -Wvla -Wno-pointer-sign -Wcast-function-type -Wimplicit-fallthrough -Werror=date-time -Werror=incompatible-pointer-types -Wenum-conversion -Wunused -Wno-unused-but-set-variable -Wno-unused-const-variable -Wno-format-overflow -Wno-override-init -Wno-pointer-to-enum-cast -Wno-tautological-constant-out-of-range-compare -Wno-unaligned-access -Wno-enum-compare-conditional -Wno-missing-field-initializers -Wno-type-limits -Wno-shift-negative-value -Wno-enum-enum-conversion -Wno-sign-compare -Wno-unused-parameter -I/usr/src/linux-source-6.12/kernel -Ikernel    -DKBUILD_MODFILE='"kernel/fork"' -DKBUILD_BASENAME='"fork"' -DKBUILD_MODNAME='"fork"' -D__KBUILD_MODNAME=kmod_fork -c -o kernel/fork.o /usr/src/linux-source-6.12/kernel/fork.c   ; ./tools/objtool/objtool --hacks=jump_label --hacks=noinstr --static-call --uaccess   kernel/fork.o

source_kernel/fork.o := /usr/src/linux-source-6.12/kernel/fork.c

deps_kernel/fork.o := \
    $(wildcard include/config/USER_NS) \
    $(wildcard include/config/PROVE_RCU) \
    $(wildcard include/config/VMAP_STACK) \
    $(wildcard include/config/PER_VMA_LOCK) \
    $(wildcard include/config/THREAD_INFO_IN_TASK) \
    $(wildcard include/config/SECCOMP) \
    $(wildcard include/config/MMU) \
    $(wildcard include/config/TRANSPARENT_HUGEPAGE) \
    $(wildcard include/config/SPLIT_PMD_PTLOCKS) \
    $(wildcard include/config/MMU_LAZY_TLB_SHOOTDOWN) \
    $(wildcard include/config/DEBUG_VM_SHOOT_LAZIES) \
    $(wildcard include/config/ARCH_WANTS_DYNAMIC_TASK_STRUCT) \
  /usr/src/linux-source-6.12/include/linux/compiler-version.h \
    $(wildcard include/config/CC_VERSION_TEXT) \
  /usr/src/linux-source-6.12/include/linux/kconfig.h \
  /usr/src/linux-source-6.12/include/linux/compiler_types.h \
    $(wildcard include/config/X86_64) \
  /usr/src/linux-source-6.12/include/linux/compiler-context-analysis.h \
  /usr/src/linux-source-6.12/include/linux/compiler_attributes.h \
  /usr/src/linux-source-6.12/include/linux/compiler-clang.h \
    $(wildcard include/config/DEBUG_ENTRY) \

kernel/fork.o: $(deps_kernel/fork.o)

$(deps_kernel/fork.o):

kernel/fork.o: $(wildcard ./tools/objtool/objtool)
