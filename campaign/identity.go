package campaign

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kcmin/kcmin/build"
)

// treeFact is one part of a kernel tree's identity: a campaign's answers
// hold for the tree they were found on, so a workdir records these and a
// run compares them.
type treeFact struct {
	Name  string // "git HEAD", "Kconfig files", ...
	Value string
}

// gitTimeout bounds each git command; a cold cache on a big tree takes
// seconds, a hang must not stop the campaign from starting for good.
const gitTimeout = 2 * time.Minute

// treeIdentity says which kernel tree src is. A tree that is the top of
// a git work tree is its HEAD and its uncommitted changes; any other tree
// (an unpacked tarball, or one inside another project's repository) is a
// digest of what decides configs and their names: the top Makefile's
// version, the Kconfig files and the arch's Makefiles.
func treeIdentity(ctx context.Context, src, arch string) ([]treeFact, error) {
	facts, err := gitIdentity(ctx, src)
	if err != nil || facts != nil {
		return facts, err
	}
	return fileIdentity(src, arch)
}

// gitIdentity is nil, without an error, when src is not the top of a git
// work tree or git is not there to say.
func gitIdentity(ctx context.Context, src string) ([]treeFact, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, nil
	}
	top, code, err := git(ctx, src, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	if code != 0 || !sameDir(strings.TrimSpace(string(top)), src) {
		return nil, nil
	}
	head, code, err := git(ctx, src, "rev-parse", "--verify", "HEAD")
	if err != nil {
		return nil, err
	}
	if code != 0 {
		// A repository without a commit has no HEAD to name.
		return nil, nil
	}
	// The file list says a file was touched; the diff says how, so that
	// a second edit of an already changed file is a change too.
	status, code, err := git(ctx, src, "status", "--porcelain")
	if err == nil && code != 0 {
		err = fmt.Errorf("identify the kernel tree: git status --porcelain in %s: exit status %d", src, code)
	}
	if err != nil {
		return nil, err
	}
	changes := "none"
	if len(status) > 0 {
		h := sha256.New()
		h.Write(status)
		code, err := runGit(ctx, src, h, "diff", "--binary", "HEAD")
		if err == nil && code != 0 {
			err = fmt.Errorf("identify the kernel tree: git diff HEAD in %s: exit status %d", src, code)
		}
		if err != nil {
			return nil, err
		}
		paths := bytes.Count(status, []byte("\n"))
		changes = fmt.Sprintf("sha256 %s (%d paths)", hex.EncodeToString(h.Sum(nil)), paths)
	}
	return []treeFact{
		{"git HEAD", strings.TrimSpace(string(head))},
		{"git uncommitted changes", changes},
	}, nil
}

// git runs a git command in dir and returns its output and exit status.
func git(ctx context.Context, dir string, args ...string) ([]byte, int, error) {
	var out bytes.Buffer
	code, err := runGit(ctx, dir, &out, args...)
	return out.Bytes(), code, err
}

// runGit runs a git command in dir, its output to out. It takes no
// optional lock (the index's): the user's own git commands in the tree
// must not fail because kcmin looked at it.
func runGit(ctx context.Context, dir string, out io.Writer, args ...string) (int, error) {
	var stderr bytes.Buffer
	code, err := build.Run(ctx, build.Cmd{Argv: append([]string{"git", "-C", dir}, args...), Stdout: out, Stderr: &stderr,
		Timeout: gitTimeout, Env: []string{"GIT_OPTIONAL_LOCKS=0", "LC_ALL=C"}})
	what := "git " + strings.Join(args, " ")
	if err != nil {
		return code, fmt.Errorf("identify the kernel tree: %s in %s: %w", what, dir, err)
	}
	if code != 0 && code != 128 {
		// 128 is git's "not a repository" or "no such revision", which
		// the callers take as an answer.
		return code, fmt.Errorf("identify the kernel tree: %s in %s: exit status %d: %s", what, dir, code,
			strings.TrimSpace(stderr.String()))
	}
	return code, nil
}

// sameDir reports whether two paths name one directory, through
// symlinks.
func sameDir(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// fileIdentity digests what of a tree decides a campaign's configs
// without reading its sources: a change to a .c file goes unseen, which
// a git tree would see.
func fileIdentity(src, arch string) ([]treeFact, error) {
	version, err := makefileVersion(filepath.Join(src, "Makefile"))
	if err != nil {
		return nil, fmt.Errorf("identify the kernel tree: %w", err)
	}
	archDir := filepath.Join("arch", build.SrcArch(arch))
	kconfigs, makefiles := newTreeDigest(), newTreeDigest()
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// Hidden folders are no part of the kernel (.git), and
			// another arch's files cannot change this arch's configs.
			if rel != "." && strings.HasPrefix(name, ".") ||
				filepath.Dir(rel) == "arch" && rel != archDir {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		switch {
		case name == "Kconfig" || strings.HasPrefix(name, "Kconfig."):
			return kconfigs.add(p, rel)
		case strings.HasPrefix(name, "Makefile") && strings.HasPrefix(rel, archDir+string(filepath.Separator)):
			return makefiles.add(p, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("identify the kernel tree %s: %w", src, err)
	}
	return []treeFact{
		{"version", version},
		{"Kconfig files", kconfigs.String()},
		{archDir + " Makefiles", makefiles.String()},
	}, nil
}

// treeDigest digests files by their path in the tree and their content;
// the walk visits them in lexical order, so the digest is stable.
type treeDigest struct {
	h     hash.Hash
	files int
}

func newTreeDigest() *treeDigest { return &treeDigest{h: sha256.New()} }

func (t *treeDigest) add(path, rel string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// The length keeps one file's end from passing for the next one's
	// name.
	fmt.Fprintf(t.h, "%s\x00%d\x00", filepath.ToSlash(rel), len(data))
	t.h.Write(data)
	t.files++
	return nil
}

func (t *treeDigest) String() string {
	return fmt.Sprintf("sha256 %s (%d files)", hex.EncodeToString(t.h.Sum(nil)), t.files)
}

// makefileVersion reads the kernel version the top Makefile sets, as its
// KERNELVERSION spells it: 6.12.117, 6.13-rc1. A tree whose Makefile
// sets none (a kernel-shaped test tree) has the version "none".
func makefileVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), "=")
		name = strings.TrimSpace(name)
		switch name {
		case "VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION":
			if _, seen := vars[name]; ok && !seen {
				vars[name] = strings.TrimSpace(val)
			}
		}
		// The version comes first; the rest of a kernel Makefile is
		// long and says nothing of it.
		if len(vars) == 4 {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if vars["VERSION"] == "" {
		return "none", nil
	}
	v := vars["VERSION"]
	if vars["PATCHLEVEL"] != "" {
		v += "." + vars["PATCHLEVEL"]
		if vars["SUBLEVEL"] != "" {
			v += "." + vars["SUBLEVEL"]
		}
	}
	return v + vars["EXTRAVERSION"], nil
}

// treeLine is how a tree fact stands in a workdir's campaign.toml: a
// comment, as the config files' digests are, so that the file still
// loads as a campaign.
func treeLine(f treeFact) string { return "#   tree " + f.Name + ": " + f.Value }

// parseTreeLine is treeLine's inverse.
func parseTreeLine(line string) (name, value string, ok bool) {
	rest, ok := strings.CutPrefix(line, "#   tree ")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, ": ")
}
