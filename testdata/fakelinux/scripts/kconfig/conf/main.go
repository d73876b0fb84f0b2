// Command conf is the fake kernel tree's scripts/kconfig/conf: it resolves
// configs with kcmin's kconfig package where the real tree uses its C
// program, so that the fake tree exercises kcmin's own resolver. It takes
// the same flags and environment as the kernel's conf, so the tree's
// Makefile can run either (KCONF= selects the real one).
//
//	srctree=DIR SRCARCH=x86 ARCH=x86_64 KCONFIG_CONFIG=.config \
//	    conf [-s] --olddefconfig|--defconfig=FILE|--savedefconfig=FILE|--allnoconfig Kconfig
//
// Relative file names (the Kconfig file, a defconfig) are looked up in the
// current directory and then in $srctree, as the kernel's conf does.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/kcmin/kcmin/kconfig"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// mode is what one conf run does; exactly one is given per run.
type mode struct {
	name string // the flag, for messages
	file string // the file argument of --defconfig= and --savedefconfig=
}

func run(ctx context.Context, args []string, env map[string]string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	silent := fs.Bool("s", false, "print nothing but warnings and errors")
	olddefconfig := fs.Bool("olddefconfig", false, "resolve $KCONFIG_CONFIG, new symbols taking their defaults")
	allnoconfig := fs.Bool("allnoconfig", false, "write a config with every visible option off")
	defconfig := fs.String("defconfig", "", "resolve `FILE` (a defconfig) into $KCONFIG_CONFIG")
	savedefconfig := fs.String("savedefconfig", "", "write the minimal config equivalent to $KCONFIG_CONFIG to `FILE`")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: conf [-s] --olddefconfig|--defconfig=FILE|--savedefconfig=FILE|--allnoconfig KCONFIG\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 1
	}
	var modes []mode
	if *olddefconfig {
		modes = append(modes, mode{name: "olddefconfig"})
	}
	if *allnoconfig {
		modes = append(modes, mode{name: "allnoconfig"})
	}
	if *defconfig != "" {
		modes = append(modes, mode{name: "defconfig", file: *defconfig})
	}
	if *savedefconfig != "" {
		modes = append(modes, mode{name: "savedefconfig", file: *savedefconfig})
	}
	if len(modes) != 1 {
		fmt.Fprintf(stderr, "conf: give exactly one of --olddefconfig, --defconfig=FILE, --savedefconfig=FILE, --allnoconfig\n")
		return 1
	}

	c := &conf{
		srctree: env["srctree"],
		config:  env["KCONFIG_CONFIG"],
		silent:  *silent,
		stdout:  stdout,
		stderr:  stderr,
	}
	if c.srctree == "" {
		c.srctree = "."
	}
	if c.config == "" {
		c.config = ".config"
	}
	if err := c.run(ctx, modes[0], fs.Arg(0), env); err != nil {
		fmt.Fprintf(stderr, "conf: %v\n", err)
		return 1
	}
	return 0
}

// conf holds what every mode needs: where the tree and the config are, and
// where messages go.
type conf struct {
	srctree string
	config  string // $KCONFIG_CONFIG
	silent  bool
	stdout  io.Writer
	stderr  io.Writer
}

func (c *conf) run(ctx context.Context, m mode, kconfigFile string, env map[string]string) error {
	// $(shell,...) runs in the build dir, as with the kernel's conf.
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	tree, err := kconfig.Parse(ctx, kconfig.Options{
		SrcTree: c.srctree, Kconfig: kconfigFile, Env: env, Dir: dir, Stderr: c.stderr,
	})
	if err != nil {
		return fmt.Errorf("parse %s: %w", kconfigFile, err)
	}
	switch m.name {
	case "olddefconfig":
		cur, err := c.readCurrent()
		if err != nil {
			return err
		}
		return c.write(c.evaluate(tree, cur))
	case "defconfig":
		def, err := c.read(c.find(m.file))
		if err != nil {
			return err
		}
		return c.write(c.evaluate(tree, def))
	case "allnoconfig":
		return c.write(tree.AllNo(nil))
	case "savedefconfig":
		cur, err := c.readCurrent()
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := c.evaluate(tree, cur).SaveDefconfig(&buf); err != nil {
			return fmt.Errorf("savedefconfig: %w", err)
		}
		return writeFileAtomic(m.file, buf.Bytes())
	}
	return fmt.Errorf("unknown mode %q", m.name)
}

// evaluate resolves cfg and prints what conf would say about it: values
// that are invalid or unknown, selects of options whose dependencies are
// unmet.
func (c *conf) evaluate(tree *kconfig.Tree, cfg *kconfig.Config) *kconfig.Eval {
	e := tree.Evaluate(cfg)
	for _, w := range e.Warnings {
		fmt.Fprintln(c.stderr, w)
	}
	return e
}

// readCurrent reads $KCONFIG_CONFIG; a missing one is an empty config, so
// every symbol takes its default (the kernel's conf does the same when
// KCONFIG_DEFCONFIG_LIST is empty, as the fake tree's Makefile makes it).
func (c *conf) readCurrent() (*kconfig.Config, error) {
	if _, err := os.Stat(c.config); errors.Is(err, os.ErrNotExist) {
		return kconfig.NewConfig(), nil
	}
	return c.read(c.config)
}

// read reads a config file and reports its warnings the way the kernel's
// conf does, on stderr, without failing.
func (c *conf) read(path string) (*kconfig.Config, error) {
	cfg, warnings, err := kconfig.ReadConfigFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	for _, w := range warnings {
		fmt.Fprintln(c.stderr, w)
	}
	return cfg, nil
}

// find returns name as given when it exists, and otherwise its place under
// $srctree: the lookup order of the kernel's conf.
func (c *conf) find(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if _, err := os.Stat(name); err == nil {
		return name
	}
	return filepath.Join(c.srctree, name)
}

// write writes the resolved config to $KCONFIG_CONFIG. An unchanged file
// is left alone, so make sees no new timestamp; a changed one is kept as
// .config.old first.
func (c *conf) write(e *kconfig.Eval) error {
	var buf bytes.Buffer
	if err := e.Write(&buf); err != nil {
		return fmt.Errorf("write %s: %w", c.config, err)
	}
	old, err := os.ReadFile(c.config)
	switch {
	case err == nil && bytes.Equal(old, buf.Bytes()):
		c.message("No change to %s", c.config)
		return nil
	case err == nil:
		if err := os.WriteFile(c.config+".old", old, 0o644); err != nil {
			return fmt.Errorf("back up %s: %w", c.config, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("read %s: %w", c.config, err)
	}
	if err := writeFileAtomic(c.config, buf.Bytes()); err != nil {
		return err
	}
	c.message("configuration written to %s", c.config)
	return nil
}

// message prints one framed message, as the kernel's conf does, unless -s.
func (c *conf) message(format string, args ...any) {
	if c.silent {
		return
	}
	fmt.Fprintf(c.stdout, "#\n# %s\n#\n", fmt.Sprintf(format, args...))
}

// writeFileAtomic replaces path with data, never leaving a half-written file
// for a build that is killed in the middle.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}

// environ returns the process environment as a map: Kconfig macros may
// read any variable ($(ARCH), $(SRCARCH), $(CC)...), as with the real conf.
func environ() map[string]string {
	env := make(map[string]string)
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}
