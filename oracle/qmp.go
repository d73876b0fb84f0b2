package oracle

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"sync"
)

// qmpClient speaks the QEMU Machine Protocol over one connection: the
// server greets, the client negotiates capabilities, then sends commands
// one at a time; replies come in order, events may come in between.
type qmpClient struct {
	conn   io.ReadWriteCloser
	enc    *json.Encoder
	ready  chan struct{} // closed once capabilities are negotiated
	err    error         // why negotiation failed; read after ready
	reply  chan qmpReply
	events chan qmpEvent
	mu     sync.Mutex // one command at a time
	nextID uint64     // under mu
	closed chan struct{}
}

type qmpReply struct {
	// ID is the command's id, echoed; a reply to a command that timed
	// out must not answer the next one.
	ID     *uint64         `json:"id"`
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
}

type qmpEvent struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

type qmpMessage struct {
	QMP   json.RawMessage `json:"QMP"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	qmpReply
}

// newQMP starts reading conn and negotiates capabilities in the
// background, so a caller can watch the console meanwhile. Events are
// delivered on Events(); a burst beyond the buffer drops the oldest news,
// never blocks the reader.
func newQMP(conn io.ReadWriteCloser) *qmpClient {
	c := &qmpClient{
		conn:   conn,
		enc:    json.NewEncoder(conn),
		ready:  make(chan struct{}),
		reply:  make(chan qmpReply, 1),
		events: make(chan qmpEvent, 64),
		closed: make(chan struct{}),
	}
	go c.read()
	return c
}

func (c *qmpClient) read() {
	defer close(c.closed)
	dec := json.NewDecoder(bufio.NewReader(c.conn))
	greeted := false
	fail := func(err error) {
		if !greeted {
			c.err = err
			close(c.ready)
		}
	}
	for {
		var m qmpMessage
		if err := dec.Decode(&m); err != nil {
			fail(fmt.Errorf("qmp: read: %w", err))
			return
		}
		switch {
		case m.QMP != nil && !greeted:
			greeted = true
			go c.negotiate()
		case m.Event != "":
			select {
			case c.events <- qmpEvent{Event: m.Event, Data: m.Data}:
			default:
			}
		case m.Return != nil || m.Error != nil:
			c.deliver(m.qmpReply)
		}
	}
}

// deliver hands a reply to the waiting command without ever blocking the
// reader: the newest reply replaces one nobody took (its caller gave up),
// since commands go one at a time.
func (c *qmpClient) deliver(r qmpReply) {
	for {
		select {
		case c.reply <- r:
			return
		default:
		}
		select {
		case <-c.reply:
		default:
		}
	}
}

func (c *qmpClient) negotiate() {
	_, err := c.send(context.Background(), "qmp_capabilities", nil)
	c.err = err
	close(c.ready)
}

// Events delivers asynchronous events (RESET, SHUTDOWN, STOP...).
func (c *qmpClient) Events() <-chan qmpEvent { return c.events }

// Execute runs one command once the connection is ready and decodes its
// return value into out (when not nil).
func (c *qmpClient) Execute(ctx context.Context, cmd string, args, out any) error {
	select {
	case <-c.ready:
	case <-ctx.Done():
		return fmt.Errorf("qmp %s: waiting for the greeting: %w", cmd, ctx.Err())
	}
	if c.err != nil {
		return fmt.Errorf("qmp %s: %w", cmd, c.err)
	}
	ret, err := c.send(ctx, cmd, args)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(ret, out); err != nil {
			return fmt.Errorf("qmp %s: decode reply: %w", cmd, err)
		}
	}
	return nil
}

func (c *qmpClient) send(ctx context.Context, cmd string, args any) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Drop a late reply to an earlier command that timed out.
	select {
	case <-c.reply:
	default:
	}
	c.nextID++
	id := c.nextID
	msg := map[string]any{"execute": cmd, "id": id}
	if args != nil {
		msg["arguments"] = args
	}
	if err := c.enc.Encode(msg); err != nil {
		return nil, fmt.Errorf("qmp %s: send: %w", cmd, err)
	}
	for {
		select {
		case r := <-c.reply:
			// A late reply to an earlier command that timed out is
			// dropped. A server that echoes no id answers in order.
			if r.ID != nil && *r.ID != id {
				continue
			}
			if r.Error != nil {
				return nil, fmt.Errorf("qmp %s: %s: %s", cmd, r.Error.Class, r.Error.Desc)
			}
			return r.Return, nil
		case <-c.closed:
			return nil, fmt.Errorf("qmp %s: connection closed", cmd)
		case <-ctx.Done():
			return nil, fmt.Errorf("qmp %s: %w", cmd, ctx.Err())
		}
	}
}

// Close closes the connection; the reader stops.
func (c *qmpClient) Close() error { return c.conn.Close() }

// cpuState is what kcmin reads of one virtual CPU.
type cpuState struct {
	Index  int
	RIP    uint64
	CPL    int
	Halted bool
	// IF is the interrupt flag: a CPU halted with it clear wakes only
	// for an NMI, an INIT or a reset.
	IF bool
}

// CPUs reads each CPU's instruction pointer, privilege level, interrupt
// flag and halt state through the human monitor's "info registers",
// which every QEMU version answers the same way. With stop, it stops the
// machine first, for a consistent picture of CPUs that still run.
func (c *qmpClient) CPUs(ctx context.Context, stop bool) ([]cpuState, error) {
	if stop {
		// A failure to stop (already stopped) is no reason not to look.
		_ = c.Execute(ctx, "stop", nil, nil)
	}
	var cpus []struct {
		Index int `json:"cpu-index"`
	}
	if err := c.Execute(ctx, "query-cpus-fast", nil, &cpus); err != nil {
		return nil, err
	}
	var out []cpuState
	var errs []error
	for _, cpu := range cpus {
		var text string
		err := c.Execute(ctx, "human-monitor-command",
			map[string]any{"command-line": "info registers", "cpu-index": cpu.Index}, &text)
		if err != nil {
			errs = append(errs, fmt.Errorf("cpu %d: %w", cpu.Index, err))
			continue
		}
		st, err := parseRegisters(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("cpu %d: %w", cpu.Index, err))
			continue
		}
		st.Index = cpu.Index
		out = append(out, st)
	}
	return out, errors.Join(errs...)
}

var (
	ripRe = regexp.MustCompile(`\b[RE]IP=([0-9a-fA-F]+)`)
	cplRe = regexp.MustCompile(`\bCPL=(\d)`)
	hltRe = regexp.MustCompile(`\bHLT=(\d)`)
	rflRe = regexp.MustCompile(`\b[RE]FL=([0-9a-fA-F]+)`)
)

// flagIF is the interrupt flag's bit in RFLAGS.
const flagIF = 1 << 9

// parseRegisters reads "info registers" output of an x86 CPU: RIP= in long
// mode, EIP= before it.
func parseRegisters(text string) (cpuState, error) {
	var st cpuState
	m := ripRe.FindStringSubmatch(text)
	if m == nil {
		return st, fmt.Errorf("no RIP or EIP in %.80q", text)
	}
	rip, err := strconv.ParseUint(m[1], 16, 64)
	if err != nil {
		return st, fmt.Errorf("instruction pointer %q: %w", m[1], err)
	}
	st.RIP = rip
	if m := cplRe.FindStringSubmatch(text); m != nil {
		st.CPL = int(m[1][0] - '0')
	}
	if m := hltRe.FindStringSubmatch(text); m != nil {
		st.Halted = m[1] == "1"
	}
	if m := rflRe.FindStringSubmatch(text); m != nil {
		if fl, err := strconv.ParseUint(m[1], 16, 64); err == nil {
			st.IF = fl&flagIF != 0
		}
	} else {
		// Without the flags, assume a CPU can still be woken: kcmin
		// then waits for the timeout, as it would without looking.
		st.IF = true
	}
	return st, nil
}
