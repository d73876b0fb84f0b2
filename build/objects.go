package build

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// What kbuild knows of a build dir, read from its .cmd files. For every
// object it compiles, scripts/basic/fixdep writes .NAME.o.cmd beside it:
//
//	savedcmd_kernel/fork.o := clang-19 -Wp,-MMD,kernel/.fork.o.d ... -c -o kernel/fork.o kernel/fork.c
//	source_kernel/fork.o := .../kernel/fork.c
//	deps_kernel/fork.o := \
//	  .../include/linux/compiler-version.h \
//	    $(wildcard include/config/USER_NS) \
//	...
//
// The wildcard lines name every option that the source or a header it
// includes mentions; conf touches include/config/SYM only when SYM's
// value changes, so an object is recompiled when one of its options
// changed. Options that change the compiler's flags instead (coverage,
// sanitizers, -pg) show as a changed savedcmd line for every object they
// touch, which no .cmd file can tell before the build: the campaign
// learns those from what builds really recompiled.

// An Object is one compiled object of a build dir.
type Object struct {
	Path string // relative to the build dir, e.g. kernel/fork.o
	// Source is the file it was compiled from, as the .cmd file names it
	// (for a build with O=, the absolute path in the tree).
	Source string
	// Included are the other C files its source includes, as a unity
	// build's does (kernel/sched/build_policy.c includes idle.c, rt.c
	// and more), in the .cmd file's order.
	Included []string
	// Command is a digest of the command line that made it.
	Command uint64
	// Options are the options its sources mention, sorted, without
	// CONFIG_.
	Options []string
	// Built is the .o file's modification time; zero when the .o is gone.
	Built time.Time

	cmdStamp stamp
}

// stamp identifies a version of a .cmd file without reading it.
type stamp struct {
	mod  time.Time
	size int64
}

// Objects is the index of a build dir's compiled objects.
type Objects struct {
	Dir     string
	List    []Object // sorted by Path
	byOpt   map[string][]int
	byStamp map[string]int // .cmd path -> index in List
}

// ParseCmd reads one .cmd file. It returns ok false for a file that
// records no compilation from a source (a link, an archive).
func ParseCmd(r io.Reader) (obj Object, ok bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	// inDeps is set within fixdep's deps_ list: one file a line.
	var sourced, inDeps bool
	seen := map[string]bool{}
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case bytes.HasPrefix(line, []byte("savedcmd_")):
			name, _, found := bytes.Cut(line[len("savedcmd_"):], []byte(" := "))
			if !found {
				return Object{}, false, fmt.Errorf("savedcmd line without \" := \": %.60q", line)
			}
			obj.Path = string(name)
			h := fnv.New64a()
			h.Write(line)
			obj.Command = h.Sum64()
		case bytes.HasPrefix(line, []byte("deps_")):
			inDeps = true
		case bytes.HasPrefix(line, []byte("source_")):
			sourced = true
			if _, src, found := bytes.Cut(line, []byte(" := ")); found {
				obj.Source = string(bytes.TrimSpace(src))
			}
		default:
			_, rest, found := bytes.Cut(line, []byte("$(wildcard include/config/"))
			if !found {
				dep := bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(line), []byte("\\")))
				if inDeps && bytes.HasSuffix(dep, []byte(".c")) {
					if d := string(dep); d != obj.Source && !slices.Contains(obj.Included, d) {
						obj.Included = append(obj.Included, d)
					}
				}
				inDeps = inDeps && len(dep) > 0
				continue
			}
			name, _, found := bytes.Cut(rest, []byte(")"))
			if !found || len(name) == 0 {
				continue
			}
			if s := string(name); !seen[s] {
				seen[s] = true
				obj.Options = append(obj.Options, s)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return Object{}, false, err
	}
	if obj.Path == "" || !sourced {
		return Object{}, false, nil
	}
	slices.Sort(obj.Options)
	return obj, true, nil
}

// ReadObjects indexes the compiled objects of the build dir dir. prev,
// when not nil, is an earlier index of the same dir: a .cmd file that has
// not changed since is not read again, so that indexing after an
// incremental build costs what the build recompiled.
func ReadObjects(dir string, prev *Objects) (*Objects, error) {
	objs := &Objects{Dir: dir, byStamp: map[string]int{}}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return err
			}
			return nil // a dir that vanished while make cleaned it
		}
		name := d.Name()
		if d.IsDir() {
			// The resolve dirs and kcmin's own files are not kbuild's.
			if path != dir && strings.HasSuffix(name, ".resolve") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".o.cmd") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		st := stamp{info.ModTime(), info.Size()}
		rel, _ := filepath.Rel(dir, path)
		var obj Object
		if prev != nil {
			if i, ok := prev.byStamp[rel]; ok && prev.List[i].cmdStamp == st {
				obj = prev.List[i]
			}
		}
		if obj.Path == "" {
			f, err := os.Open(path)
			if err != nil {
				return nil
			}
			o, ok, err := ParseCmd(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if !ok {
				return nil
			}
			obj = o
			obj.cmdStamp = st
		}
		obj.Built = time.Time{}
		if oi, err := os.Stat(filepath.Join(dir, obj.Path)); err == nil {
			obj.Built = oi.ModTime()
		}
		objs.byStamp[rel] = len(objs.List)
		objs.List = append(objs.List, obj)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The walk goes in lexical order of paths, which is not quite the
	// order of Path; sort and renumber.
	order := make([]int, len(objs.List))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(objs.List[a].Path, objs.List[b].Path) })
	sorted := make([]Object, len(order))
	where := make([]int, len(order))
	for to, from := range order {
		sorted[to] = objs.List[from]
		where[from] = to
	}
	for rel, i := range objs.byStamp {
		objs.byStamp[rel] = where[i]
	}
	objs.List = sorted
	objs.byOpt = map[string][]int{}
	for i, o := range objs.List {
		for _, s := range o.Options {
			objs.byOpt[s] = append(objs.byOpt[s], i)
		}
	}
	return objs, nil
}

// Affected lists the objects that mention one of the options, sorted.
func (o *Objects) Affected(options []string) []string {
	if o == nil {
		return nil
	}
	hit := make([]bool, len(o.List))
	n := 0
	for _, s := range options {
		for _, i := range o.byOpt[s] {
			if !hit[i] {
				hit[i] = true
				n++
			}
		}
	}
	out := make([]string, 0, n)
	for i, h := range hit {
		if h {
			out = append(out, o.List[i].Path)
		}
	}
	return out
}

// Mentioning counts the objects that mention option.
func (o *Objects) Mentioning(option string) int {
	if o == nil {
		return 0
	}
	return len(o.byOpt[option])
}

// BuiltSince lists the objects whose .o was written at or after t: what
// a build that started at t compiled.
func (o *Objects) BuiltSince(t time.Time) []string {
	if o == nil {
		return nil
	}
	var out []string
	for _, obj := range o.List {
		if !obj.Built.IsZero() && !obj.Built.Before(t) {
			out = append(out, obj.Path)
		}
	}
	return out
}

// Len is the number of compiled objects.
func (o *Objects) Len() int {
	if o == nil {
		return 0
	}
	return len(o.List)
}

// flagMakefiles are the kbuild files that set the flags of every
// compilation; the link and install stages' are left out.
var flagMakefiles = []string{
	"Makefile", "arch/%s/Makefile",
	"scripts/Makefile.build", "scripts/Makefile.lib", "scripts/Makefile.compiler",
	"scripts/Makefile.clang", "scripts/Makefile.debug", "scripts/Makefile.extrawarn",
	"scripts/Makefile.gcc-plugins", "scripts/Makefile.kasan", "scripts/Makefile.kcov",
	"scripts/Makefile.kcsan", "scripts/Makefile.kmsan", "scripts/Makefile.randstruct",
	"scripts/Makefile.ubsan",
}

// FlagOptions lists the options that the tree's kbuild files mention
// where they set compiler flags (the top Makefile, arch/SRCARCH/Makefile,
// scripts/Makefile.lib, .kasan, .kcov, ...), sorted, without CONFIG_.
// A flip of one of them may change every object's command line, which no
// .cmd file tells: GCOV_PROFILE_ALL, KCOV_INSTRUMENT_ALL, KASAN, LTO. It
// is a guess, which what builds really compile corrects; a file the tree
// does not have is skipped.
func FlagOptions(source, srcarch string) ([]string, error) {
	seen := map[string]bool{}
	for _, f := range flagMakefiles {
		if strings.Contains(f, "%s") {
			f = fmt.Sprintf(f, srcarch)
		}
		data, err := os.ReadFile(filepath.Join(source, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for rest := data; ; {
			_, after, found := bytes.Cut(rest, []byte("CONFIG_"))
			if !found {
				break
			}
			n := 0
			for n < len(after) && (after[n] >= 'A' && after[n] <= 'Z' || after[n] >= '0' && after[n] <= '9' || after[n] == '_') {
				n++
			}
			if n > 0 {
				seen[string(after[:n])] = true
			}
			rest = after[n:]
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}
