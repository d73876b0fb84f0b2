// Package slurmtest starts a real one-node Slurm cluster for tests: a
// munged, a slurmctld and a slurmd of its own, in a temporary directory,
// on ports nobody else uses, stopped when the test ends. It needs
// Debian's slurm-wlm and munge (make deps installs them) and root, since
// slurmd runs jobs as their users.
package slurmtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kcmin/kcmin/build"
	"github.com/kcmin/kcmin/slurm"
)

// markVar marks every process of one cluster, the daemons and the jobs'
// tasks alike (Slurm hands the submitting environment to the tasks), so
// that Stop can tell what is left of it from everything else.
const markVar = "KCMIN_SLURMTEST"

// startTimeout bounds the wait for the node to become idle.
const startTimeout = 60 * time.Second

// binaries are what a cluster needs, with the package that has them.
var binaries = []struct{ name, pkg string }{
	{"munged", "munge"},
	{"slurmctld", "slurmctld"},
	{"slurmd", "slurmd"},
	{"sinfo", "slurm-client"},
	{"squeue", "slurm-client"},
	{"scancel", "slurm-client"},
	{"sbatch", "slurm-client"},
	{"srun", "slurm-client"},
	{"scontrol", "slurm-client"},
}

// Cluster is one running test cluster.
type Cluster struct {
	t    testing.TB
	Dir  string // the temporary directory that holds all its files
	Conf string // its slurm.conf
	// Node and Partition are the names of its one node and partition.
	Node, Partition string

	mark    string
	munge   []string // munged's command line
	mu      sync.Mutex
	stopped bool
	// The daemons, in the order they were started: munged first.
	daemons      []*daemon
	mungeStopped bool
}

// daemon is one of the cluster's daemons, run by build.Run until cancel.
type daemon struct {
	name   string
	log    string
	cancel context.CancelFunc
	done   chan struct{}
	code   int
	err    error
}

// Start starts a cluster and stops it when t ends. Without the binaries it
// skips the test under -short and fails it otherwise, since make test
// installs them; KCMIN_NO_SLURM=1 skips it always.
func Start(t testing.TB) *Cluster {
	t.Helper()
	if os.Getenv("KCMIN_NO_SLURM") != "" {
		t.Skip("KCMIN_NO_SLURM is set: no Slurm cluster")
	}
	var missing []string
	for _, b := range binaries {
		if _, err := exec.LookPath(b.name); err != nil {
			missing = append(missing, fmt.Sprintf("%s (Debian package %s)", b.name, b.pkg))
		}
	}
	if len(missing) > 0 {
		msg := "no Slurm test cluster: missing " + strings.Join(missing, ", ") + "; make deps installs them"
		if testing.Short() {
			t.Skip(msg)
		}
		t.Fatal(msg)
	}
	if os.Geteuid() != 0 {
		// slurmd switches to each job's user; a test cluster of its
		// own user would be a different cluster from the real ones.
		msg := "no Slurm test cluster: slurmd needs root"
		if testing.Short() {
			t.Skip(msg)
		}
		t.Fatal(msg)
	}
	// A short path: munged's and slurmd's sockets live here, and a unix
	// socket's path has at most 107 bytes.
	dir, err := os.MkdirTemp("", "kcmin-slurm-")
	if err != nil {
		t.Fatalf("slurm test cluster: %v", err)
	}
	c := &Cluster{t: t, Dir: dir, Partition: "debug", mark: markVar + "=" + dir}
	t.Cleanup(c.Stop)
	if err := c.start(); err != nil {
		c.dumpLogs()
		t.Fatalf("slurm test cluster: %v", err)
	}
	return c
}

// Config is the slurm.Config that reaches this cluster.
func (c *Cluster) Config() slurm.Config {
	return slurm.Config{Env: c.Env()}
}

// Env is the environment that points Slurm's commands at this cluster
// and marks what they start as the cluster's.
func (c *Cluster) Env() []string {
	return []string{"SLURM_CONF=" + c.Conf, c.mark}
}

func (c *Cluster) start() error {
	for _, d := range []string{"state", "spool", "log", "run"} {
		if err := os.Mkdir(filepath.Join(c.Dir, d), 0o700); err != nil {
			return err
		}
	}
	key := make([]byte, 1024)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("munge key: %w", err)
	}
	keyFile := filepath.Join(c.Dir, "munge.key")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		return fmt.Errorf("munge key: %w", err)
	}
	sock := filepath.Join(c.Dir, "run", "munge.sock")
	c.munge = []string{"munged", "--foreground", "--force",
		"--socket=" + sock,
		"--key-file=" + keyFile,
		"--pid-file=" + filepath.Join(c.Dir, "run", "munged.pid"),
		"--log-file=" + filepath.Join(c.Dir, "log", "munged.log"),
		"--seed-file=" + filepath.Join(c.Dir, "state", "munged.seed")}
	c.daemons = append(c.daemons, c.daemon("munged", filepath.Join(c.Dir, "log", "munged.log"), c.munge...))
	if err := c.waitMunged(); err != nil {
		return err
	}

	conf, err := c.writeConf(sock)
	if err != nil {
		return err
	}
	c.Conf = conf
	c.daemons = append(c.daemons,
		c.daemon("slurmctld", filepath.Join(c.Dir, "log", "slurmctld.log"),
			"slurmctld", "-D", "-i", "-f", conf),
		c.daemon("slurmd", filepath.Join(c.Dir, "log", "slurmd.log"),
			"slurmd", "-D", "-N", c.Node, "-f", conf))
	return c.waitFor(startTimeout, "the node to be idle", func() (bool, error) {
		var out bytes.Buffer
		code, err := build.Run(context.Background(), build.Cmd{
			Argv:    []string{"sinfo", "-h", "-o", "%T"},
			Env:     c.Env(),
			Stdout:  &out,
			Timeout: 10 * time.Second,
		})
		return err == nil && code == 0 && strings.TrimSpace(out.String()) == "idle", nil
	})
}

// writeConf writes the cluster's slurm.conf: this machine as its one node,
// with what slurmd -C finds, and plugins that need neither cgroups nor a
// database.
func (c *Cluster) writeConf(mungeSocket string) (string, error) {
	host, err := run("hostname", "-s")
	if err != nil {
		return "", err
	}
	c.Node = strings.TrimSpace(host)
	hw, err := run("slurmd", "-C")
	if err != nil {
		return "", err
	}
	node, err := nodeLine(hw, c.Node)
	if err != nil {
		return "", err
	}
	ports, err := freePorts(2)
	if err != nil {
		return "", err
	}
	d := func(name string) string { return filepath.Join(c.Dir, name) }
	conf := fmt.Sprintf(`# A one-node cluster of kcmin's tests.
ClusterName=kcmintest
SlurmctldHost=%[1]s(127.0.0.1)
SlurmctldPort=%[2]d
SlurmdPort=%[3]d
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=%[4]s
CredType=cred/munge
StateSaveLocation=%[5]s
SlurmdSpoolDir=%[6]s
SlurmctldPidFile=%[7]s
SlurmdPidFile=%[8]s
SlurmctldLogFile=%[9]s
SlurmdLogFile=%[10]s
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
# Cancels are quick: a test waits for them.
KillWait=2
PlugStackConfig=%[11]s
%[12]s NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=%[1]s Default=YES MaxTime=INFINITE State=UP
`, c.Node, ports[0], ports[1], mungeSocket,
		d("state"), d("spool"), d("run/slurmctld.pid"), d("run/slurmd.pid"),
		d("log/slurmctld.log"), d("log/slurmd.log"), d("plugstack.conf"), node)
	if err := os.WriteFile(d("plugstack.conf"), nil, 0o644); err != nil {
		return "", err
	}
	path := d("slurm.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// nodeLine picks slurmd -C's NodeName line, with the name the cluster
// gives the node.
func nodeLine(hw, name string) (string, error) {
	for _, line := range strings.Split(hw, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "NodeName=") {
			f[0] = "NodeName=" + name
			return strings.Join(f, " "), nil
		}
	}
	return "", fmt.Errorf("slurmd -C printed no NodeName line: %q", hw)
}

// freePorts finds n TCP ports nobody listens on now. Another process may
// take one before slurmctld binds it, but two test processes do not pick
// the same port, which is what matters here.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// run runs a short command of the setup and returns its stdout.
func run(argv ...string) (string, error) { return runEnv(nil, argv...) }

// runEnv is run with env added to the environment.
func runEnv(env []string, argv ...string) (string, error) {
	var out, errOut bytes.Buffer
	code, err := build.Run(context.Background(), build.Cmd{
		Argv: argv, Env: env, Stdout: &out, Stderr: &errOut, Timeout: 30 * time.Second,
	})
	if err == nil && code != 0 {
		err = fmt.Errorf("exit status %d: %s", code, strings.TrimSpace(errOut.String()))
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return out.String(), nil
}

// waitMunged waits for munged's socket.
func (c *Cluster) waitMunged() error {
	sock := strings.TrimPrefix(c.munge[3], "--socket=")
	return c.waitFor(10*time.Second, "munged's socket", func() (bool, error) {
		_, err := os.Stat(sock)
		return err == nil, nil
	})
}

// StopMunged stops the cluster's munged, so that a test sees what Slurm's
// commands do without it; StartMunged, or Stop, starts it again.
func (c *Cluster) StopMunged() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.mungeStopped {
		c.daemons[0].cancel()
		<-c.daemons[0].done
		c.mungeStopped = true
	}
}

// StartMunged starts the munged that StopMunged stopped.
func (c *Cluster) StartMunged() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.startMunged(); err != nil {
		c.t.Fatalf("slurm test cluster: %v", err)
	}
}

func (c *Cluster) startMunged() error {
	if !c.mungeStopped {
		return nil
	}
	c.daemons[0] = c.daemon("munged", c.daemons[0].log, c.munge...)
	c.mungeStopped = false
	return c.waitMunged()
}

// daemon starts argv in the background until it is cancelled; its stdout
// and stderr go to its log too.
func (c *Cluster) daemon(name, log string, argv ...string) *daemon {
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{name: name, log: log, cancel: cancel, done: make(chan struct{})}
	out := &lockedBuffer{}
	go func() {
		defer close(d.done)
		d.code, d.err = build.Run(ctx, build.Cmd{
			Argv:   argv,
			Env:    []string{c.mark},
			Stdout: out,
			Stderr: out,
		})
		if s := out.String(); s != "" {
			_ = os.WriteFile(log+".out", []byte(s), 0o644)
		}
	}()
	return d
}

// waitFor polls ok until it says true, for at most d.
func (c *Cluster) waitFor(d time.Duration, what string, ok func() (bool, error)) error {
	deadline := time.Now().Add(d)
	for {
		done, err := ok()
		if err != nil {
			return fmt.Errorf("wait for %s: %w", what, err)
		}
		if done {
			return nil
		}
		for _, dm := range c.daemons {
			select {
			case <-dm.done:
				return fmt.Errorf("wait for %s: %s exited (status %d, %v)", what, dm.name, dm.code, dm.err)
			default:
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for %s: not after %v", what, d)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop cancels every job, stops the daemons, and fails the test if any
// process of the cluster is left. It is called when the test ends; calling
// it earlier stops the cluster for the rest of the test.
func (c *Cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.stopped = true
	if err := c.startMunged(); err != nil {
		c.t.Errorf("slurm test cluster: %v", err)
	}
	if len(c.daemons) == 3 {
		// Steps outlive slurmd; only the controller ends them.
		if _, err := runEnv(c.Env(), "scancel", "--full", "--user=root"); err != nil {
			c.t.Errorf("slurm test cluster: cancel its jobs: %v", err)
		}
		_ = c.waitFor(30*time.Second, "the queue to empty", func() (bool, error) {
			out, err := runEnv(c.Env(), "squeue", "-h", "-o", "%i")
			return err == nil && strings.TrimSpace(out) == "", nil
		})
	}
	for i := len(c.daemons) - 1; i >= 0; i-- {
		c.daemons[i].cancel()
		<-c.daemons[i].done
	}
	if left := c.leftovers(); len(left) > 0 {
		c.t.Errorf("slurm test cluster: processes left after stop: %s", strings.Join(left, "; "))
		c.dumpLogs()
	}
	if !c.t.Failed() {
		os.RemoveAll(c.Dir)
	} else {
		c.t.Logf("slurm test cluster: files kept in %s", c.Dir)
	}
}

// leftovers kills the cluster's processes and describes them.
func (c *Cluster) leftovers() []string {
	var left []string
	for pid, cmdline := range c.processes() {
		left = append(left, fmt.Sprintf("%d %s", pid, cmdline))
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	sort.Strings(left)
	return left
}

// processes finds the live processes of the cluster, with their command
// lines: those with its mark in their environment (the daemons and the
// jobs' tasks), and those with a file of its directory open (slurmstepd,
// which starts with an environment of its own, holds its socket in the
// spool dir).
func (c *Cluster) processes() map[int]string {
	found := map[int]string{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range dirs {
		pid, err := strconv.Atoi(filepath.Base(p))
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(p + "/cmdline")
		if err != nil || len(cmdline) == 0 {
			continue // gone, or a zombie
		}
		env, _ := os.ReadFile(p + "/environ")
		ours := bytes.Contains(append(env, 0), []byte(c.mark+"\x00"))
		if !ours {
			fds, _ := filepath.Glob(p + "/fd/*")
			for _, fd := range fds {
				if target, err := os.Readlink(fd); err == nil && strings.HasPrefix(target, c.Dir+"/") {
					ours = true
					break
				}
			}
		}
		if ours {
			found[pid] = strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	return found
}

// dumpLogs puts the daemons' logs in the test's output.
func (c *Cluster) dumpLogs() {
	for _, d := range c.daemons {
		for _, f := range []string{d.log, d.log + ".out"} {
			if data, err := os.ReadFile(f); err == nil && len(data) > 0 {
				c.t.Logf("%s:\n%s", f, data)
			}
		}
	}
}

// lockedBuffer is a bytes.Buffer a daemon's stdout and stderr share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
