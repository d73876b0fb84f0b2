package campaign

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Display shows a campaign's progress: one line on a terminal (tests done
// out of the estimated total, the time that is left, what runs now and for
// how long, candidates undecided, culprits found), plain lines elsewhere,
// nothing but errors when quiet. The line never reaches the terminal's
// last column: a line that wraps cannot be taken back with a carriage
// return, and every redraw would leave a stale line behind.
type Display struct {
	mu     sync.Mutex
	out    io.Writer
	width  func() int // the terminal's columns, read at each redraw
	bar    bool       // a line is drawn (a terminal, not quiet)
	shown  string     // the line on the screen now, "" for none
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

// NewDisplay shows progress on f: a line that it redraws when f is a
// terminal and quiet is off, the log lines alone when f is not a
// terminal, nothing when quiet.
func NewDisplay(f *os.File, quiet bool) *Display {
	if quiet || !IsTerminal(f) {
		return &Display{out: f, quiet: quiet}
	}
	return newLineDisplay(f, func() int { return terminalWidth(f) })
}

// newLineDisplay draws the progress line on out, width columns wide.
func newLineDisplay(out io.Writer, width func() int) *Display {
	d := &Display{out: out, width: width, bar: true, stop: make(chan struct{})}
	d.done.Add(1)
	go d.tick()
	return d
}

// terminalWidth is f's width in columns; COLUMNS when the terminal does
// not say, 80 when nothing does. It is read at each redraw, so a resized
// window is followed.
func terminalWidth(f *os.File) int {
	if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
		return int(ws.Col)
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// tick redraws the line every second, for the running step's clock.
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

// render redraws the line, when it changed.
func (d *Display) render() {
	if !d.bar {
		return
	}
	l := progressLine(d.status, time.Now(), d.width())
	if l == d.shown {
		return
	}
	d.shown = l
	_, _ = io.WriteString(d.out, "\r"+l+"\x1b[K")
}

// clear takes the line off the screen, leaving the cursor at the start of
// its row.
func (d *Display) clear() {
	if d.shown != "" {
		_, _ = io.WriteString(d.out, "\r\x1b[K")
		d.shown = ""
	}
}

// Bounds of the bar's own part of the line, in columns.
const (
	minBar = 10
	maxBar = 30
)

// progressLine is the line for s at now, at most width-1 columns: the bar
// and the count of tests, the time left, what runs now, the candidates.
// When they do not all fit, the last parts go first; the bar is drawn
// only where it has room, and once there is an estimate to fill it
// against.
func progressLine(s Status, now time.Time, width int) string {
	total := s.Tests + s.EstimatedLeft
	count := fmt.Sprintf("%d tests", s.Tests)
	if s.Tests == 1 {
		count = "1 test"
	}
	if s.EstimatedLeft > 0 {
		count = fmt.Sprintf("%d/~%d tests", s.Tests, total)
	}
	parts := []string{count}
	if s.TimeLeft > 0 {
		parts = append(parts, "~"+shortDuration(s.TimeLeft)+" left")
	}
	if busy := s.busy(); len(busy) > 0 {
		// Every worker's test, its phase and its time: "w1 building
		// test 12 1m3s"; the worker is left unnamed when it is alone.
		var ws []string
		for _, w := range busy {
			text := fmt.Sprintf("%s %s", w.WorkerStatus, shortDuration(now.Sub(w.Since)))
			if len(s.Workers) > 1 {
				text = fmt.Sprintf("w%d %s", w.n, text)
			}
			ws = append(ws, text)
		}
		parts = append(parts, strings.Join(ws, ", "))
	} else if s.Phase != "" {
		parts = append(parts, fmt.Sprintf("%s %s", s.Phase, shortDuration(now.Sub(s.Since))))
	}
	if s.Candidates > 0 {
		parts = append(parts, fmt.Sprintf("%d/%d undecided, %d culprits", s.Undecided, s.Candidates, s.Culprits))
	}
	room := width - 1
	text := strings.Join(parts, " | ")
	for len(parts) > 1 && utf8.RuneCountInString(text) > room {
		parts = parts[:len(parts)-1]
		text = strings.Join(parts, " | ")
	}
	if barWidth := room - utf8.RuneCountInString(text) - 3; barWidth >= minBar && s.EstimatedLeft > 0 {
		barWidth = min(barWidth, maxBar)
		filled := barWidth * s.Tests / total
		text = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "] " + text
	}
	return truncate(text, room)
}

// numbered is a worker's status and its number.
type numbered struct {
	WorkerStatus
	n int
}

// busy lists the workers that run a test.
func (s Status) busy() []numbered {
	var busy []numbered
	for n, w := range s.Workers {
		if w.Phase != "" {
			busy = append(busy, numbered{w, n})
		}
	}
	return busy
}

// truncate cuts s to n columns at most.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// shortDuration is d for a narrow line: 45s, 3m20s, 2h05m.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// Write prints log lines, above the progress line when there is one.
func (d *Display) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.quiet {
		return len(p), nil
	}
	d.line.Write(p)
	wrote := false
	for {
		i := bytes.IndexByte(d.line.Bytes(), '\n')
		if i < 0 {
			break
		}
		line := d.line.Next(i + 1)
		d.clear()
		if _, err := d.out.Write(line); err != nil {
			return len(p), err
		}
		wrote = true
	}
	if wrote {
		d.render()
	}
	return len(p), nil
}

// Close takes the progress line away.
func (d *Display) Close() {
	if !d.bar {
		return
	}
	close(d.stop)
	d.done.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clear()
	d.bar = false
}
