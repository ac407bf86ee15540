package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// rawClient writes raw bytes to stui-lsp and reads its framed messages.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	in   *bufio.Reader
}

func startRaw(t *testing.T) *rawClient {
	sconn, cconn := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, sconn, Config{Logger: testLogger(t), StateDir: t.TempDir()}) }()
	t.Cleanup(func() {
		cancel()
		cconn.Close()
		select {
		case <-done:
		case <-time.After(testDeadline):
			t.Error("Serve did not return")
		}
	})
	return &rawClient{t: t, conn: cconn, in: bufio.NewReader(cconn)}
}

func (r *rawClient) write(s string) {
	r.t.Helper()
	_ = r.conn.SetWriteDeadline(time.Now().Add(testDeadline))
	if _, err := r.conn.Write([]byte(s)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

// read answers the next message from the server that is not a notification. It reads
// the frames itself: a response with a null id is exactly what is tested.
func (r *rawClient) read() map[string]json.RawMessage {
	r.t.Helper()
	for {
		_ = r.conn.SetReadDeadline(time.Now().Add(testDeadline))
		length := -1
		for {
			line, err := r.in.ReadString('\n')
			if err != nil {
				r.t.Fatalf("read: %v", err)
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r.in, body); err != nil {
			r.t.Fatalf("read: %v", err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			r.t.Fatalf("the server sent %q, which is not JSON", body)
		}
		if _, ok := m["method"]; ok && m["id"] == nil {
			continue
		}
		return m
	}
}

func TestMalformedInputIsAnsweredAndServingGoesOn(t *testing.T) {
	r := startRaw(t)
	for _, tc := range []struct {
		name  string
		input string
		code  jsonrpc2.Code
		id    string
	}{
		{"body not JSON", frame(`{"jsonrpc":"2.0","id":1,"method":`), jsonrpc2.ParseError, "null"},
		{"garbage body", frame(`hello`), jsonrpc2.ParseError, "null"},
		{"request with a bad method", frame(`{"jsonrpc":"2.0","id":7,"method":12}`), jsonrpc2.InvalidRequest, "7"},
		{"array (batches are not supported)", frame(`[1,2,3]`), jsonrpc2.InvalidRequest, "null"},
		{"no Content-Length", "Content-Type: x\r\n\r\n", jsonrpc2.ParseError, "null"},
		{"bad Content-Length", "Content-Length: abc\r\n\r\n", jsonrpc2.ParseError, "null"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.t = t
			r.write(tc.input)
			m := r.read()
			var e jsonrpc2.Error
			if err := json.Unmarshal(m["error"], &e); err != nil || e.Code != tc.code {
				t.Fatalf("got %s, want an error with code %d", m["error"], tc.code)
			}
			if string(m["id"]) != tc.id {
				t.Errorf("id: got %s, want %s", m["id"], tc.id)
			}
		})
	}
	r.t = t
	// The connection is still up and the server still serves.
	r.write(frame(`{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"capabilities":{}}}`))
	m := r.read()
	if !strings.Contains(string(m["result"]), `"stui-lsp"`) {
		t.Fatalf("initialize after malformed input answered %v", m)
	}
	// A numeric id beyond the malformed ones, and a string id, both work.
	r.write(frame(`{"jsonrpc":"2.0","id":"s-1","method":"workspace/symbol","params":{"query":""}}`))
	if m := r.read(); string(m["id"]) != `"s-1"` || m["error"] != nil {
		t.Fatalf("workspace/symbol answered %v", m)
	}
}
