# kcmin's build, demo and tests. `make deps` installs the real components
# (the LLVM toolchains 19 and 22, mold, GNU ld, QEMU, a Linux 6.12 tree and
# Debian's configs) from Debian's archive; every target that needs them
# depends on it.

GO      ?= go
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CACHE   := $(CURDIR)/.cache
LINUX_TARBALL := /usr/src/linux-source-6.12.tar.xz
LINUX   := $(CACHE)/linux-source-6.12
DEB_PKGS := clang-19 lld-19 llvm-19 clang-22 lld-22 llvm-22 mold binutils git \
	qemu-system-x86 linux-source-6.12 \
	linux-config-6.12 bc bison flex libelf-dev libssl-dev cpio make gcc \
	xz-utils ccache slurm-wlm munge
# Debian's packages start their services on install (munged, slurmctld,
# slurmd), which fails where there is no init to start them, and kcmin
# needs none: its tests start a cluster of their own. A policy-rc.d that
# denies every start is put in place for the install, unless the machine
# has one already.
POLICY_RC := /usr/sbin/policy-rc.d

export KCMIN_LINUX := $(LINUX)

.PHONY: all build deps linux run test short bench e2e planted fuzz vet clean

all: build

# -buildvcs=auto: --version names the revision even where GOFLAGS turns
# stamping off.
build:
	$(GO) build -buildvcs=auto -o bin/kcmin ./cmd/kcmin

# Install only what is missing, so a machine that has it all pays nothing.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		own=; \
		if [ ! -e $(POLICY_RC) ]; then \
			printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee $(POLICY_RC) >/dev/null && \
			$(SUDO) chmod 755 $(POLICY_RC) && own=1; \
		fi; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
		status=$$?; \
		if [ -n "$$own" ]; then $(SUDO) rm -f $(POLICY_RC); fi; \
		exit $$status; \
	fi

# The real kernel tree, unpacked once.
linux: $(LINUX)/Makefile
$(LINUX)/Makefile: | deps
	mkdir -p $(CACHE)
	tar -C $(CACHE) -xf $(LINUX_TARBALL)
	touch $@

run: build
	./bin/kcmin run -c minimize.toml -w $(CURDIR)/kcmin-work

vet:
	$(GO) vet ./...

test: deps linux vet
	$(GO) test -timeout 80m ./...

short:
	$(GO) test -short ./...

bench:
	$(GO) run ./minimize/cmd/kcmin-bench
	$(GO) run ./minimize/cmd/kcmin-bench -workers 1,2,4,8,16
	$(GO) run ./minimize/cmd/kcmin-bench -cost

e2e: deps linux build
	$(GO) test -tags e2e -timeout 6h -run E2E -v ./campaign/...

# A dozen failures planted among the differences of x86_64_defconfig and
# Debian's amd64 config, each minimized on the real tree (part of e2e).
planted: deps linux
	$(GO) test -tags e2e -timeout 3h -run TestE2EPlanted -v ./campaign/

fuzz:
	$(GO) test -run XXX -fuzz FuzzReadConfig -fuzztime 30s ./kconfig
	$(GO) test -run XXX -fuzz FuzzParseKconfig -fuzztime 30s ./kconfig

clean:
	rm -rf bin kcmin-work
