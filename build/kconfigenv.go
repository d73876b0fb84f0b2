package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// The probe target's name ends in "config" so that the kernel's Makefile
// takes its config-build path: the one that exports to Kconfig what
// `make olddefconfig` exports (CC_VERSION_TEXT, KBUILD_DEFCONFIG, ...)
// without needing a .config or building anything.
const (
	probeTarget = "kcmin-envconfig"
	probeBegin  = "kcmin-env-begin"
	probeEnd    = "kcmin-env-end"
)

// probeDropped are variables of the probe's environment that describe
// the probe itself (make's bookkeeping, its throwaway O= dir) rather
// than a build.
var probeDropped = map[string]bool{
	"MAKEFLAGS": true, "MFLAGS": true, "GNUMAKEFLAGS": true, "MAKELEVEL": true,
	"MAKEOVERRIDES": true, "MAKE_TERMOUT": true, "MAKE_TERMERR": true, "O": true,
	"PWD": true, "OLDPWD": true, "_": true,
}

// KconfigEnv returns the environment the kernel's Makefile gives Kconfig
// for these make variables: CC, LD, HOSTCC, CLANG_FLAGS, RUSTC, BINDGEN,
// ARCH, SRCARCH, KERNELVERSION, srctree, CC_VERSION_TEXT,
// RUSTC_VERSION_TEXT and every other exported variable, together with
// the inherited environment, which Kconfig's $(shell) calls see too.
// Make's own bookkeeping (MAKEFLAGS, MAKELEVEL, ...), O and PWD, which
// describe the probe rather than a build, are left out.
// It runs make once in a throwaway build dir: well under a second.
func (m *Make) KconfigEnv(ctx context.Context) (map[string]string, error) {
	dir, err := os.MkdirTemp("", "kcmin-env-")
	if err != nil {
		return nil, fmt.Errorf("kconfig environment: %w", err)
	}
	defer os.RemoveAll(dir)
	argv, err := m.argv(dir, nil)
	if err != nil {
		return nil, err
	}
	recipe := fmt.Sprintf("%s: ; @printf '%s\\0'; env -0; printf '%s\\0'", probeTarget, probeBegin, probeEnd)
	argv = append(argv, "--eval="+recipe, probeTarget)
	var stdout, stderr bytes.Buffer
	code, err := Run(ctx, Cmd{Argv: argv, Env: makeEnv, Stdout: &stdout, Stderr: &stderr, Timeout: m.configTimeout()})
	if err != nil {
		return nil, fmt.Errorf("kconfig environment of %s: %w", m.Source, err)
	}
	if code != 0 {
		msg := lastComplaint(stderr.Bytes())
		return nil, fmt.Errorf("kconfig environment of %s: make exit status %d: %s", m.Source, code, msg)
	}
	env, err := parseProbe(stdout.Bytes())
	if err != nil {
		return nil, fmt.Errorf("kconfig environment of %s: %w", m.Source, err)
	}
	// Older trees export the version texts only where they are computed;
	// compute them here the way the Makefile does.
	if _, ok := env["CC_VERSION_TEXT"]; !ok && env["CC"] != "" {
		env["CC_VERSION_TEXT"] = versionText(ctx, env, "LC_ALL=C $CC --version 2>/dev/null | head -n 1")
	}
	if _, ok := env["RUSTC_VERSION_TEXT"]; !ok && env["RUSTC"] != "" {
		env["RUSTC_VERSION_TEXT"] = versionText(ctx, env, "$RUSTC --version 2>/dev/null")
	}
	return env, nil
}

// parseProbe reads the NUL-separated environment between the probe's
// markers.
func parseProbe(out []byte) (map[string]string, error) {
	fields := bytes.Split(out, []byte{0})
	begin, end := -1, -1
	for i, f := range fields {
		switch {
		case begin < 0 && strings.HasSuffix(string(f), probeBegin):
			// make's chatter may precede the marker on stdout.
			begin = i
		case begin >= 0 && string(f) == probeEnd:
			end = i
		}
	}
	if begin < 0 || end < 0 {
		return nil, fmt.Errorf("make did not run the environment probe (output %q)", truncate(string(out), 200))
	}
	env := make(map[string]string)
	for _, f := range fields[begin+1 : end] {
		name, value, ok := strings.Cut(string(f), "=")
		if !ok || probeDropped[name] {
			continue
		}
		env[name] = value
	}
	return env, nil
}

// versionText runs a version command as make's $(shell) does: newlines
// become spaces, the last one is dropped, and '#' is removed as the
// Makefile's $(subst $(pound),,...) does.
func versionText(ctx context.Context, env map[string]string, script string) string {
	var out bytes.Buffer
	_, err := Run(ctx, Cmd{Argv: []string{"sh", "-c", script}, Env: envList(env), Stdout: &out, Timeout: time.Minute})
	if err != nil {
		return ""
	}
	s := strings.TrimRight(out.String(), "\n")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "#", "")
}

func envList(env map[string]string) []string {
	l := make([]string, 0, len(env))
	for k, v := range env {
		l = append(l, k+"="+v)
	}
	return l
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
