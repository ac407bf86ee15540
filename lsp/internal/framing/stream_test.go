package framing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"go.lsp.dev/jsonrpc2"
)

// pipe is an in-memory connection: reads come from in, writes go to out.
type pipe struct {
	in  io.Reader
	mu  sync.Mutex
	out bytes.Buffer
}

func (p *pipe) Read(b []byte) (int, error) { return p.in.Read(b) }
func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}
func (p *pipe) Close() error { return nil }

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

const good = `{"jsonrpc":"2.0","id":1,"method":"ping"}`

func TestReadRecoversFromBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		input  string
		answer string // the error code answered, "" for none
	}{
		{"not JSON", frame("{oops") + frame(good), "-32700"},
		{"batch", frame("[]") + frame(good), "-32600"},
		{"bad method type", frame(`{"jsonrpc":"2.0","id":"a","method":3}`) + frame(good), `"id":"a"`},
		{"response without id is dropped, not answered", frame(`{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"x"}}`) + frame(good), ""},
		{"missing Content-Length", "X-Other: 1\r\n\r\n" + frame(good), "-32700"},
		{"negative Content-Length", "Content-Length: -4\r\n\r\n" + frame(good), "-32700"},
		{"header line without colon", "garbage\r\n\r\n" + frame(good), "-32700"},
		{"junk line right before a frame", "xyz\n" + frame(good), "-32700"},
		{"junk before a header on the same line", "xyz" + frame(good), "-32700"},
		{"body shorter than announced: the next header is found again",
			"Content-Length: 33\r\n\r\n{oops" + frame(good), "-32700"},
		{"stray blank lines", "\r\n\r\n" + frame(good), ""},
		{"lower-case header", "content-length: 40\r\n\r\n" + good, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &pipe{in: strings.NewReader(tc.input)}
			s := NewStream(p)
			msg, _, err := s.Read(context.Background())
			if err != nil {
				t.Fatalf("Read: %v (answered %q)", err, p.out.String())
			}
			call, ok := msg.(*jsonrpc2.Call)
			if !ok || call.Method() != "ping" {
				t.Fatalf("Read answered %#v, want the good call", msg)
			}
			out := p.out.String()
			if tc.answer == "" && out != "" {
				t.Errorf("answered %q, want nothing", out)
			}
			if tc.answer != "" && !strings.Contains(out, tc.answer) {
				t.Errorf("answered %q, want it to contain %s", out, tc.answer)
			}
		})
	}
}

func TestOversizedMessageIsSkipped(t *testing.T) {
	big := frame(`{"jsonrpc":"2.0","method":"x","params":"` + strings.Repeat("a", 100) + `"}`)
	p := &pipe{in: strings.NewReader(big + frame(good))}
	s := NewStream(p)
	s.max = 50
	msg, _, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := msg.(*jsonrpc2.Call); !ok || c.Method() != "ping" {
		t.Fatalf("got %#v", msg)
	}
	if !strings.Contains(p.out.String(), "over the limit") {
		t.Errorf("answered %q", p.out.String())
	}
}

func TestWriteFramesMessages(t *testing.T) {
	p := &pipe{in: strings.NewReader("")}
	s := NewStream(p)
	call, _ := jsonrpc2.NewCall(jsonrpc2.NewNumberID(3), "m", map[string]int{"a": 1})
	if _, err := s.Write(context.Background(), call); err != nil {
		t.Fatal(err)
	}
	head, body, ok := strings.Cut(p.out.String(), "\r\n\r\n")
	if !ok || head != fmt.Sprintf("Content-Length: %d", len(body)) || !json.Valid([]byte(body)) {
		t.Fatalf("wrote %q", p.out.String())
	}
	// And reads it back.
	back, _, err := NewStream(&pipe{in: strings.NewReader(p.out.String())}).Read(context.Background())
	if err != nil || back.(*jsonrpc2.Call).Method() != "m" {
		t.Fatalf("read back %v, %v", back, err)
	}
}

func TestEOFEndsRead(t *testing.T) {
	s := NewStream(&pipe{in: strings.NewReader("Content-Length: 10\r\n\r\n{}")})
	if _, _, err := s.Read(context.Background()); err == nil {
		t.Fatal("Read of a truncated stream answered no error")
	}
}
