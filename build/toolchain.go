package build

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Versions names the tools that built a kernel, for the report.
type Versions struct {
	Kernel string // KERNELVERSION, "6.12.117"
	CC     string // "clang version 19.1.7"; the first line of --version for another compiler
	LD     string // "LLD 19.1.7"; the first line of --version for another linker
}

var (
	clangVersion = regexp.MustCompile(`clang version [0-9][^ ]*`)
	lldVersion   = regexp.MustCompile(`LLD [0-9][^ ]*`)
	qemuVersion  = regexp.MustCompile(`QEMU emulator version ([0-9][^ ]*)`)
)

const versionTimeout = 30 * time.Second

// Toolchain asks the compiler and linker that env names (CC and LD, as
// KconfigEnv returns them) for their versions.
func Toolchain(ctx context.Context, env map[string]string) (Versions, error) {
	v := Versions{Kernel: env["KERNELVERSION"]}
	for _, t := range []struct {
		name string
		dst  *string
		re   *regexp.Regexp
	}{{"CC", &v.CC, clangVersion}, {"LD", &v.LD, lldVersion}} {
		tool := strings.Fields(env[t.name])
		if len(tool) == 0 {
			return v, fmt.Errorf("toolchain: %s is not set", t.name)
		}
		line, err := firstLine(ctx, env, append(tool, "--version"))
		if err != nil {
			return v, fmt.Errorf("toolchain: %s: %w", t.name, err)
		}
		*t.dst = line
		if m := t.re.FindString(line); m != "" {
			*t.dst = m
		}
	}
	return v, nil
}

// QEMUVersion returns "QEMU 7.2.22" for binary, or the first line of its
// --version when that is not QEMU's usual one.
func QEMUVersion(ctx context.Context, binary string) (string, error) {
	line, err := firstLine(ctx, nil, []string{binary, "--version"})
	if err != nil {
		return "", fmt.Errorf("qemu version: %w", err)
	}
	if m := qemuVersion.FindStringSubmatch(line); m != nil {
		return "QEMU " + m[1], nil
	}
	return line, nil
}

// firstLine runs argv with env (PATH in particular) and returns the first
// line of its output.
func firstLine(ctx context.Context, env map[string]string, argv []string) (string, error) {
	var out bytes.Buffer
	var list []string
	if env != nil {
		list = envList(env)
	}
	code, err := Run(ctx, Cmd{Argv: argv, Env: list, Stdout: &out, Stderr: &out, Timeout: versionTimeout})
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	if code != 0 {
		return "", fmt.Errorf("%s: exit status %d: %s", strings.Join(argv, " "), code, line)
	}
	if line == "" {
		return "", fmt.Errorf("%s printed nothing", strings.Join(argv, " "))
	}
	return line, nil
}
