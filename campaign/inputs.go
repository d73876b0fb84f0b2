package campaign

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/kcmin/kcmin/kconfig"
)

// inputConfig is a config file the campaign names, read and checked.
type inputConfig struct {
	text []byte // as written: make resolves the file itself
	cfg  *kconfig.Config
}

// files are the config files the campaign names, in the order they
// apply: the base file, its fragments, the bad config or its fragments.
func (c ConfigSpec) files() []string {
	var out []string
	if c.BaseFile != "" {
		out = append(out, c.BaseFile)
	}
	out = append(out, c.BaseFragments...)
	if c.Bad != "" {
		out = append(out, c.Bad)
	}
	return append(out, c.BadFragments...)
}

// readTree reads the kernel's Kconfig tree, once: the candidates come
// from it, and the config files the campaign names are checked with it.
func (r *runner) readTree(ctx context.Context) error {
	if r.know != nil {
		return nil
	}
	r.phase("reading Kconfig")
	env, err := r.make.KconfigEnv(ctx)
	if err != nil {
		return r.fault(ctx, inputError(fmt.Errorf("ask the kernel's Makefile for Kconfig's environment: %w", err)))
	}
	load := r.opts.Knowledge
	if load == nil {
		load = parseTree
	}
	know, err := load(ctx, r.spec, env)
	if err != nil {
		return r.fault(ctx, inputError(fmt.Errorf("read the Kconfig tree of %s: %w", r.spec.Kernel.Source, err)))
	}
	r.env, r.know = env, know
	return nil
}

// readInputs reads config files the campaign names and checks them
// with the Kconfig tree before make sees any of them: their syntax, and
// each value against its symbol's type as conf reads it, since conf
// drops a value it cannot take (NR_CPUS=12abc) for the default with a
// warning no one reads. All mistakes of all files come in one input
// error, one "file:line: message" a line. The symbols the tree does not
// define, which conf ignores too, are listed in one warning on log.
func (r *runner) readInputs(paths []string, log io.Writer) error {
	if r.inputs == nil {
		r.inputs = map[string]*inputConfig{}
	}
	var (
		errs    []error
		unknown []kconfig.Entry
	)
	for _, p := range paths {
		if _, ok := r.inputs[p]; ok {
			continue
		}
		text, err := os.ReadFile(p)
		if err != nil {
			return inputError(fmt.Errorf("read config: %w", err))
		}
		// The lines that are good are checked too, so that one run
		// names every mistake.
		cfg, _, syntaxErr := kconfig.ReadConfig(bytes.NewReader(text), p)
		if syntaxErr != nil && !kconfig.IsConfigError(syntaxErr) {
			return syntaxErr
		}
		u, valueErr := r.know.CheckInput(cfg)
		unknown = append(unknown, u...)
		errs = append(errs, byLine(syntaxErr, valueErr)...)
		r.inputs[p] = &inputConfig{text: text, cfg: cfg}
	}
	if len(errs) > 0 {
		return inputError(&multierror.Error{Errors: errs, ErrorFormat: listErrors})
	}
	warnUnknown(log, unknown)
	return nil
}

// byLine merges the errors of one file in the order of its lines.
func byLine(errs ...error) []error {
	var out []error
	for _, err := range errs {
		if me, ok := err.(*multierror.Error); ok {
			out = append(out, me.Errors...)
		} else if err != nil {
			out = append(out, err)
		}
	}
	line := func(err error) int {
		if ce, ok := err.(*kconfig.ConfigError); ok {
			return ce.Pos.Line
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool { return line(out[i]) < line(out[j]) })
	return out
}

// warnUnknown names each symbol once, sorted, with where it is first set.
func warnUnknown(log io.Writer, unknown []kconfig.Entry) {
	first := map[string]kconfig.Pos{}
	for _, e := range unknown {
		if _, ok := first[e.Name]; !ok {
			first[e.Name] = e.Pos
		}
	}
	if len(first) == 0 {
		return
	}
	names := slices.Sorted(maps.Keys(first))
	for i, n := range names {
		names[i] = fmt.Sprintf("%s%s (%s)", kconfig.ConfigPrefix, n, first[n])
	}
	them := "them"
	if len(names) == 1 {
		them = "it"
	}
	fmt.Fprintf(log, "warning: the kernel's Kconfig defines no %s; conf ignores %s\n", strings.Join(names, ", "), them)
}

// input is a config file that readInputs read.
func (r *runner) input(path string) (*inputConfig, error) {
	in, ok := r.inputs[path]
	if !ok {
		return nil, fmt.Errorf("config file %s was not read and checked before use", path)
	}
	return in, nil
}
