savedcmd_kernel/sched/build_policy.o := clang-19 -Wp,-MMD,kernel/sched/.build_policy.o.d -nostdinc -I/usr/src/linux-source-6.12/arch/x86/include -I./arch/x86/include/generated -I/usr/src/linux-source-6.12/include -I./include -I/usr/src/linux-source-6.12/arch/x86/include/uapi -I./arch/x86/include/generated/uapi -I/usr/src/linux-source-6.12/include/uapi -I./include/generated/uapi -include /usr/src/linux-source-6.12/include/linux/compiler-version.h -include /usr/src/linux-source-6.12/include/linux/kconfig.h -include /usr/src/linux-source-6.12/include/linux/compiler_types.h -D__KERNEL__ --target=x86_64-linux-gnu -fintegrated-as -Werror=unknown-warning-option -Werror=ignored-optimization-argument -Werror=option-ignored -Werror=unused-command-line-argument -fmacro-prefix-map=/usr/src/linux-source-6.12/= -std=gnu11 -fshort-wchar -funsigned-char -fno-common -fno-PIE -fno-strict-aliasing -mno-sse -mno-mmx -mno-sse2 -mno-3dnow -mno-avx -fcf-protection=none -m64 -falign-loops=1 -mno-80387 -mno-fp-ret-in-387 -mstack-alignment=8 -mskip-rax-setup -mtune=generic -mno-red-zone -mcmodel=kernel -Wno-sign-compare -fno-asynchronous-unwind-tables -fno-delete-null-pointer-checks -Os -fno-stack-protector -fomit-frame-pointer -ftrivial-auto-var-init=zero -fno-stack-clash-protection -falign-functions=16 -fstrict-flex-arrays=3 -fno-strict-overflow -fno-stack-check -fno-builtin-wcslen -fno-builtin-wcslen -Wall -Wextra -Wundef -Werror=implicit-function-declaration -Werror=implicit-int -Werror=return-type -Werror=strict-prototypes -Wno-format-security -Wno-trigraphs -Wno-frame-address -Wno-address-of-packed-member -Wmissing-declarations -Wmissing-prototypes -Wframe-larger-than=2048 -Wno-gnu -Wno-format-overflow-non-kprintf -Wno-format-truncation-non-kprintf -Wvla -Wno-pointer-sign -Wcast-function-type -Wimplicit-fallthrough -Werror=date-time -Werror=incompatible-pointer-types -Wenum-conversion -Wunused -Wno-unused-but-set-variable -Wno-unused-const-variable -Wno-format-overflow -Wno-override-init -Wno-pointer-to-enum-cast -Wno-tautological-constant-out-of-range-compare -Wno-unaligned-access -Wno-enum-compare-conditional -Wno-missing-field-initializers -Wno-type-limits -Wno-shift-negative-value -Wno-enum-enum-conversion -Wno-sign-compare -Wno-unused-parameter -Wno-unused-but-set-variable  -fprofile-arcs -ftest-coverage -I/usr/src/linux-source-6.12/kernel/sched -Ikernel/sched    -DKBUILD_MODFILE='"kernel/sched/build_policy"' -DKBUILD_BASENAME='"build_policy"' -DKBUILD_MODNAME='"build_policy"' -D__KBUILD_MODNAME=kmod_build_policy -c -o kernel/sched/build_policy.o /usr/src/linux-source-6.12/kernel/sched/build_policy.c   ; ./tools/objtool/objtool --hacks=jump_label --hacks=noinstr --static-call --uaccess --no-unreachable   kernel/sched/build_policy.o

source_kernel/sched/build_policy.o := /usr/src/linux-source-6.12/kernel/sched/build_policy.c

deps_kernel/sched/build_policy.o := \
    $(wildcard include/config/SMP) \
    $(wildcard include/config/SCHED_CLASS_EXT) \
  /usr/src/linux-source-6.12/include/linux/compiler-version.h \
    $(wildcard include/config/CC_VERSION_TEXT) \
  /usr/src/linux-source-6.12/include/linux/kconfig.h \
    $(wildcard include/config/CPU_BIG_ENDIAN) \
  /usr/src/linux-source-6.12/include/linux/compiler_types.h \
  /usr/src/linux-source-6.12/kernel/sched/idle.c \
  /usr/src/linux-source-6.12/kernel/sched/rt.c \
  /usr/src/linux-source-6.12/kernel/sched/cputime.c \
  /usr/src/linux-source-6.12/kernel/sched/deadline.c \
  /usr/src/linux-source-6.12/kernel/sched/syscalls.c \

kernel/sched/build_policy.o: $(deps_kernel/sched/build_policy.o)

$(deps_kernel/sched/build_policy.o):
