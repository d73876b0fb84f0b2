package oracle

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	"github.com/kcmin/kcmin/proctree"
)

// proc is one QEMU process in its own process group. Its console and its
// QMP monitor are socket pairs handed over as file descriptors 3, 4...,
// so no path in the file system is involved and nothing can connect
// before kcmin does. Its stdout and stderr go to a file, not a pipe: the
// process counts as ended when it exits, whatever children it left
// holding its output. Killing it kills the group; what it left outside
// the group dies when it exits (proctree.Start).
type proc struct {
	cmd    *exec.Cmd
	output string        // the file with QEMU's own messages
	done   chan struct{} // closed when the process has been reaped
	err    error         // its exit error; read after done
	once   sync.Once
}

// socketPair returns kcmin's end as a net.Conn and the end to hand over.
func socketPair(name string) (net.Conn, *os.File, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socket pair for %s: %w", name, err)
	}
	ours := os.NewFile(uintptr(fds[0]), name)
	conn, err := net.FileConn(ours)
	ours.Close() // FileConn made its own copy
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, fmt.Errorf("socket pair for %s: %w", name, err)
	}
	return conn, os.NewFile(uintptr(fds[1]), name), nil
}

// startProc starts argv with extra as its file descriptors 3, 4... and
// its stdout and stderr in the file output; it closes kcmin's copies of
// extra.
func startProc(argv []string, extra []*os.File, output string) (*proc, error) {
	defer func() {
		for _, f := range extra {
			f.Close()
		}
	}()
	out, err := os.Create(output)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	defer out.Close() // the child has its own copy
	p := &proc{output: output, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Stdin = nil
	p.cmd.Stdout = out
	p.cmd.Stderr = out
	p.cmd.ExtraFiles = extra
	wait, err := proctree.Start(p.cmd)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go func() {
		p.err = wait()
		close(p.done)
	}()
	return p, nil
}

// kill kills the whole process group and waits for the process.
func (p *proc) kill() {
	p.once.Do(func() {
		// The group id is the child's pid (Setpgid). It may be gone
		// already; the group may still hold its children.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	})
	<-p.done
}

// exitStatus describes how the process ended, for a person.
func (p *proc) exitStatus() string {
	if p.err == nil {
		return "exit status 0"
	}
	return p.err.Error()
}

// said is what the process wrote, at most its last 16 KiB.
func (p *proc) said() string {
	f, err := os.Open(p.output)
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 16 << 10
	if info, err := f.Stat(); err == nil && info.Size() > max {
		f.Seek(info.Size()-max, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return strings.TrimSpace(string(b))
}

// lastError is the last line the process wrote.
func (p *proc) lastError() string {
	lines := strings.Split(p.said(), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
