// Command kcmin finds the smallest Linux kernel config fragments that,
// on top of a base config, still reproduce a failure. See README.md.
//
//	kcmin run [-c minimize.toml] [-w WORKDIR] [-q] [--new]
//	kcmin status WORKDIR
//	kcmin report WORKDIR
//	kcmin matrix WORKDIR
//	kcmin bisect -w WORKDIR --good REV --bad REV [--fixed]
//	kcmin check -c FILE [--config PATH | --base] [-w WORKDIR] [-q]
//	kcmin --version
//
// Exit status: 0 a verified result (or, for check, the failure is there),
// 1 no verified result (or the failure is not there), 2 bad input or setup.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/kcmin/kcmin/campaign"
)

const usage = `kcmin finds the smallest kernel config fragments that, on top of a base
config, still reproduce a failure (objtool warnings, a build error, a
boot hang), by building and judging configs between base and bad.

Usage:
  kcmin run [-c minimize.toml] [-w WORKDIR] [-q] [--new] [--workers N]
                                                   run or resume a campaign
  kcmin status WORKDIR                             what is done, what is left
  kcmin report WORKDIR                             write WORKDIR/result again
  kcmin matrix WORKDIR                             build the result with each [[matrix]] toolchain
  kcmin bisect -w WORKDIR --good REV --bad REV     find the commit that broke (or --fixed) it
  kcmin check -c FILE [--config PATH | --base]     judge one config once
  kcmin worker JOBFILE                             one test on a Slurm node (kcmin runs it)
  kcmin --version                                  the version and revision

Run "kcmin COMMAND -h" for a command's options and an example.
Exit status: 0 found, 1 no verified result, 2 bad input or setup.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// A closed terminal (SIGHUP) stops a campaign as Ctrl-C does: the
	// builds are killed and the journal says what is finished.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// The first Ctrl-C stops kcmin cleanly; a second one, should the
	// cleanup hang, kills it.
	go func() {
		<-ctx.Done()
		stop()
	}()
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"run":    cmdRun,
		"status": cmdStatus,
		"report": cmdReport,
		"matrix": cmdMatrix,
		"bisect": cmdBisect,
		"check":  cmdCheck,
		"worker": cmdWorker,
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "-version", "--version", "version":
		info, _ := debug.ReadBuildInfo()
		fmt.Fprintln(stdout, version(info))
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kcmin: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, context.Canceled):
		why := "interrupted"
		// The cause names the signal; it also counts as Canceled, so
		// only the plain Canceled, which names nothing, is left out.
		if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
			why += " (" + cause.Error() + ")"
		}
		fmt.Fprintf(stderr, "kcmin: %s; finished tests are in the journal, and kcmin run resumes\n", why)
		return 1
	}
	if msg := err.Error(); strings.Contains(msg, "\n") {
		fmt.Fprintln(stderr, msg)
	} else {
		fmt.Fprintln(stderr, "kcmin: "+msg)
	}
	return campaign.ExitCode(err)
}

// version says which kcmin this is: the module's version ("(devel)" when
// built from a checkout), then the revision and the day of its commit,
// with "+dirty" when the tree had changes, as far as the build recorded
// them.
func version(info *debug.BuildInfo) string {
	if info == nil {
		return "kcmin (unknown)"
	}
	v := "kcmin " + info.Main.Version
	if info.Main.Version == "" || strings.HasPrefix(info.Main.Version, "v0.0.0-") {
		// A pseudo-version only spells the revision and time again.
		v = "kcmin (devel)"
	}
	var rev, day, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
			if len(rev) > 7 {
				rev = rev[:7]
			}
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				day = t.UTC().Format("2006-01-02")
			}
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	if day != "" {
		v += " " + day
	}
	return v
}

// errUsage is a command line that cannot run; the flag package has said
// why.
var errUsage = errors.New("usage")

// flags makes a command's flag set, with its help text.
func flags(name, synopsis, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kcmin "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kcmin %s %s\n\n%s\n", name, synopsis, help)
		if hasFlags(fs) {
			fmt.Fprintln(stderr, "\nOptions:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses a command's arguments, wanting exactly nargs positional
// ones.
func parse(fs *flag.FlagSet, args []string, nargs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != nargs {
		fmt.Fprintf(fs.Output(), "kcmin: %s wants %d argument(s), got %d\n\n", fs.Name(), nargs, fs.NArg())
		fs.Usage()
		return errUsage
	}
	return nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("run", "[-c minimize.toml] [-w WORKDIR] [-q] [--new] [--workers N]", `Runs the campaign the file describes: resolves the base and the bad
config, checks that the bad config reproduces the failure and the base
does not, searches the options that differ for the fewest that still
reproduce it, verifies them, and writes WORKDIR/result: minimal.config,
the fragments at their place in the tree, report.txt and result.json.

Stop it at any time (Ctrl-C, or kill); run the same command again and it
resumes, repeating no finished test; jobs, timeouts and ccache may
differ. Once a workdir has journalled a test it runs that campaign only:
a change to what decides the answers (the other settings, the config
files, the kernel tree: its git HEAD and uncommitted changes, or outside
git its version, Kconfig files and arch Makefiles) is refused, naming
what changed. --new starts the changed campaign there anyway and keeps
the old one's journal, tests and result in WORKDIR/old/TIME/.

Example:
  kcmin run -c minimize.toml -w /var/tmp/kcmin-objtool
  kcmin run -c minimize.toml -w /var/tmp/kcmin-objtool --new   # after a git pull
  kcmin run -c minimize.toml --workers 3                        # three tests at once`, stderr)
	file := fs.String("c", "minimize.toml", "the campaign file")
	work := fs.String("w", "", "the workdir (default: the campaign's [campaign] workdir)")
	quiet := fs.Bool("q", false, "print no progress, only the result and errors")
	fresh := fs.Bool("new", false, "start this campaign afresh in a workdir that holds another, keeping the old one in WORKDIR/old/TIME/")
	workers := fs.Int("workers", 0, "tests at once, each in a build dir of its own (default: the campaign's [workers] count)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *workers < 0 {
		fmt.Fprintf(stderr, "kcmin: --workers %d: want 1 or more\n", *workers)
		return errUsage
	}
	spec, err := campaign.Load(*file)
	if err != nil {
		return err
	}
	if *workers > 0 {
		spec.SetWorkers(*workers)
	}
	disp := campaign.NewDisplay(os.Stderr, *quiet)
	sum, err := campaign.Run(ctx, spec, campaign.Options{Workdir: *work, New: *fresh, Log: disp, Progress: disp.Progress})
	disp.Close()
	if sum != nil {
		fmt.Fprint(stdout, sum.Report)
		fmt.Fprintf(stderr, "result: %s\n", sum.ResultDir)
	}
	return err
}

func cmdWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("worker", "JOBFILE", `Runs one test of a campaign whose [slurm] section sends its tests to
a cluster: kcmin run writes JOBFILE in the test's folder and starts this
as a step of the worker's job, on the node that keeps the worker's build
dir. It places the resolved config, builds, judges, and writes
finding.json beside JOBFILE. It is not meant to be typed.

Example:
  kcmin worker kcmin-work/tests/0007/job.json`, stderr)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	return campaign.RunJob(ctx, fs.Arg(0))
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("status", "WORKDIR", `Shows what a campaign has done and what is left: tests run, builds,
cache hits, candidates still undecided, culprits found so far and the
smallest config that reproduced, or the result once it is there; a
corrupt journal line, and makes a killed kcmin left running. It works
while the campaign runs.

Example:
  kcmin status kcmin-work`, stderr)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	return campaign.WriteStatus(stdout, fs.Arg(0))
}

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("report", "WORKDIR", `Writes WORKDIR/result again from the journal of a finished campaign,
building nothing, and prints report.txt.

Example:
  kcmin report kcmin-work`, stderr)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	sum, err := campaign.Report(ctx, fs.Arg(0), campaign.Options{})
	if sum != nil {
		fmt.Fprint(stdout, sum.Report)
		fmt.Fprintf(stderr, "result: %s\n", sum.ResultDir)
	}
	return err
}

func cmdMatrix(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("matrix", "[-q] WORKDIR", `Builds the result of a finished campaign (base + its minimal config) with
each toolchain its campaign file lists in [[matrix]] entries, each in a
build dir of its own, judges it with the campaign's oracle, and writes
WORKDIR/result again with a row per toolchain: reproduces, gone, does not
build, timed out, could not be set up (a tool missing), or does not
stick (an option of the result that this toolchain's Kconfig refuses).
kcmin run does the same at the end of a campaign that lists variants.
Rows are journalled in WORKDIR/matrix: stopped and run again, it builds
only what has no row yet.

Example:
  kcmin matrix kcmin-work`, stderr)
	quiet := fs.Bool("q", false, "print no progress")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	disp := campaign.NewDisplay(os.Stderr, *quiet)
	sum, err := campaign.Matrix(ctx, fs.Arg(0), campaign.Options{Log: disp, Progress: disp.Progress})
	disp.Close()
	if sum != nil {
		fmt.Fprint(stdout, sum.Report)
		fmt.Fprintf(stderr, "result: %s\n", sum.ResultDir)
	}
	return err
}

func cmdBisect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("bisect", "-w WORKDIR --good REV --bad REV [--fixed] [--source DIR] [--config FILE] [--drop-missing] [-q]", `Bisects the commits of a kernel git tree between REVs with the base and
the campaign's minimal config (or --config), built and judged as the
campaign's tests are: a commit is bad when the failure reproduces with
the campaign's signature, good when it is gone, and skipped (git bisect
skip) when it cannot be judged: the config does not stick there, an
option is not defined there, the build fails for another reason. It runs
git bisect in a worktree of its own (WORKDIR/bisect/tree) and never
touches your checkout or branch. --fixed looks for the commit that made
the failure go: --bad is then the older revision. Stop it at any time
and run it again: no judged commit is built twice. The result goes to
WORKDIR/bisect/result.json and the end of report.txt.

Example:
  kcmin bisect -w kcmin-work --good v6.11 --bad v6.12
  kcmin bisect -w kcmin-work --fixed --bad v6.12 --good v6.13-rc1`, stderr)
	work := fs.String("w", "", "the campaign's workdir")
	good := fs.String("good", "", "a revision without the failure")
	bad := fs.String("bad", "", "a revision with the failure")
	fixed := fs.Bool("fixed", false, "find the commit that fixed the failure (--bad older than --good)")
	source := fs.String("source", "", "the kernel git tree (default: the campaign's kernel.source)")
	config := fs.String("config", "", "a fragment to put on the base instead of the campaign's minimal config")
	drop := fs.Bool("drop-missing", false, "build a commit without the options its Kconfig does not define, instead of skipping it")
	quiet := fs.Bool("q", false, "print no progress")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *work == "" || *good == "" || *bad == "" {
		fmt.Fprintln(stderr, "kcmin bisect: -w, --good and --bad are needed")
		return errUsage
	}
	disp := campaign.NewDisplay(os.Stderr, *quiet)
	res, sum, err := campaign.Bisect(ctx, *work, campaign.BisectOptions{Good: *good, Bad: *bad, Fixed: *fixed, Source: *source,
		Config: *config, DropMissing: *drop, Log: disp, Progress: disp.Progress})
	disp.Close()
	if res != nil {
		fmt.Fprintf(stdout, "%s\n%d commits judged, %d skipped; %s\n", res.Line, res.Steps, res.Skips, res.Sure)
	}
	if sum != nil {
		fmt.Fprintf(stderr, "result: %s\n", sum.ResultDir)
	}
	return err
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("check", "-c FILE [--config PATH | --base] [-w WORKDIR] [-q]", `Resolves, builds and judges one config once, with the campaign's
oracle: the bad config by default, the base with --base, or any .config.
Run it first, to see that the oracle says what you expect. It leaves its
logs in WORKDIR/check and touches no campaign. Exit status 0 when the
failure is there, 1 when it is not or cannot be judged.

Example:
  kcmin check -c minimize.toml
  kcmin check -c minimize.toml --base`, stderr)
	file := fs.String("c", "minimize.toml", "the campaign file")
	config := fs.String("config", "", "a .config to judge instead of the campaign's bad config")
	base := fs.Bool("base", false, "judge the campaign's base config")
	work := fs.String("w", "", "the workdir whose build dir to use (default: the campaign's)")
	quiet := fs.Bool("q", false, "print no progress")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *config != "" && *base {
		fmt.Fprintln(stderr, "kcmin check: --config and --base exclude each other")
		return errUsage
	}
	spec, err := campaign.Load(*file)
	if err != nil {
		return err
	}
	disp := campaign.NewDisplay(os.Stderr, *quiet)
	res, err := campaign.Check(ctx, spec, campaign.CheckOptions{Workdir: *work, Config: *config, Base: *base, Log: disp, Progress: disp.Progress})
	disp.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "verdict:   %s\nreason:    %s\n", res.Verdict, res.Reason)
	for i, s := range res.Signature {
		label := ""
		if i == 0 {
			label = "signature:"
		}
		fmt.Fprintf(stdout, "%-10s %s\n", label, s)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "note:      %s\n", n)
	}
	fmt.Fprintf(stdout, "logs:      %s\n", res.Dir)
	if res.Verdict != "reproduces" {
		return fmt.Errorf("%w: the failure is not there (%s)", campaign.ErrNoResult, res.Verdict)
	}
	return nil
}
