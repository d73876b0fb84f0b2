package campaign

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sys/unix"
)

// Display shows a campaign's progress: a bar on a terminal (tests done out
// of the estimated total, candidates undecided, culprits found, what runs
// now and for how long), plain lines elsewhere, nothing but errors when
// quiet.
type Display struct {
	mu     sync.Mutex
	out    io.Writer
	bar    *progressbar.ProgressBar
	quiet  bool
	status Status
	line   bytes.Buffer
	stop   chan struct{}
	done   sync.WaitGroup
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// NewDisplay shows progress on f: a bar when f is a terminal and quiet is
// off, the log lines alone when f is not a terminal, nothing when quiet.
func NewDisplay(f *os.File, quiet bool) *Display {
	d := &Display{out: f, quiet: quiet, stop: make(chan struct{})}
	if quiet || !IsTerminal(f) {
		return d
	}
	d.bar = progressbar.NewOptions(1,
		progressbar.OptionSetWriter(f),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(20),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetItsString("tests"),
		progressbar.OptionSetDescription("starting"),
	)
	d.done.Add(1)
	go d.tick()
	return d
}

// tick refreshes the bar every second, for the running step's clock.
func (d *Display) tick() {
	defer d.done.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.mu.Lock()
			d.render()
			d.mu.Unlock()
		}
	}
}

// Progress takes a new state; it is an Options.Progress.
func (d *Display) Progress(s Status) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.status = s
	d.render()
}

func (d *Display) render() {
	if d.bar == nil {
		return
	}
	s := d.status
	d.bar.ChangeMax(s.Tests + max(s.EstimatedLeft, 1))
	_ = d.bar.Set(s.Tests)
	desc := ""
	if s.Phase != "" {
		desc = fmt.Sprintf("%s %v", s.Phase, time.Since(s.Since).Round(time.Second))
	}
	if s.Candidates > 0 {
		desc += fmt.Sprintf(" | %d of %d undecided, %d culprits", s.Undecided, s.Candidates, s.Culprits)
		if s.EstimatedLeft > 0 {
			desc += fmt.Sprintf(", ~%d tests left", s.EstimatedLeft)
		}
	}
	d.bar.Describe(desc)
}

// Write prints log lines, above the bar when there is one.
func (d *Display) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.quiet {
		return len(p), nil
	}
	d.line.Write(p)
	for {
		i := bytes.IndexByte(d.line.Bytes(), '\n')
		if i < 0 {
			break
		}
		line := d.line.Next(i + 1)
		if d.bar != nil {
			_ = d.bar.Clear()
		}
		if _, err := d.out.Write(line); err != nil {
			return len(p), err
		}
		if d.bar != nil {
			_ = d.bar.RenderBlank()
		}
	}
	return len(p), nil
}

// Close removes the bar.
func (d *Display) Close() {
	if d.bar == nil {
		return
	}
	close(d.stop)
	d.done.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	_ = d.bar.Clear()
	d.bar = nil
}
