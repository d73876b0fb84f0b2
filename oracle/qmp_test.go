package oracle

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// qmpServer answers a qmpClient on the other end of a pipe: the greeting
// and capabilities by itself; every other command arrives on got, and
// what the test sends on reply is written back, when the test says.
type qmpServer struct {
	conn  net.Conn
	got   chan map[string]any
	reply chan string
}

func newQMPPair(t *testing.T) (*qmpClient, *qmpServer) {
	t.Helper()
	a, b := net.Pipe()
	srv := &qmpServer{conn: b, got: make(chan map[string]any, 16), reply: make(chan string, 16)}
	var mu sync.Mutex
	write := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(b, line)
	}
	go func() {
		write(`{"QMP": {"version": {}, "capabilities": []}}`)
		r := bufio.NewScanner(b)
		for r.Scan() {
			var m map[string]any
			if json.Unmarshal(r.Bytes(), &m) != nil {
				return
			}
			if m["execute"] == "qmp_capabilities" {
				if id, ok := m["id"]; ok {
					write(fmt.Sprintf(`{"return": {}, "id": %v}`, id))
				} else {
					write(`{"return": {}}`)
				}
				continue
			}
			srv.got <- m
		}
	}()
	go func() {
		for line := range srv.reply {
			write(line)
		}
	}()
	c := newQMP(a)
	t.Cleanup(func() { c.Close(); b.Close(); close(srv.reply) })
	return c, srv
}

// TestQMPLateReply: a reply that comes after its command gave up must not
// answer the next command, whenever it arrives.
func TestQMPLateReply(t *testing.T) {
	c, srv := newQMPPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	var out string
	err := c.Execute(ctx, "human-monitor-command", map[string]any{"command-line": "info registers"}, &out)
	cancel()
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("first command: %v, want a timeout", err)
	}
	first := <-srv.got
	// The second command is sent; then the first one's reply arrives,
	// then the second's.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- c.Execute(ctx, "human-monitor-command", map[string]any{"command-line": "info registers"}, &out)
	}()
	second := <-srv.got
	if first["id"] == second["id"] || first["id"] == nil {
		t.Fatalf("ids %v and %v: each command needs its own", first["id"], second["id"])
	}
	srv.reply <- fmt.Sprintf(`{"return": "stale", "id": %v}`, first["id"])
	srv.reply <- fmt.Sprintf(`{"return": "fresh", "id": %v}`, second["id"])
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out != "fresh" {
		t.Errorf("the second command got %q, want its own reply", out)
	}
}

// TestQMPNoID: a server that echoes no id is answered in order.
func TestQMPNoID(t *testing.T) {
	c, srv := newQMPPair(t)
	done := make(chan error, 1)
	var out []map[string]any
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- c.Execute(ctx, "query-cpus-fast", nil, &out)
	}()
	<-srv.got
	srv.reply <- `{"return": [{"cpu-index": 0}]}`
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Errorf("reply %v", out)
	}
}
