package lsptest

// Fuzz targets of the LSP message path: bytes from the editor are untrusted. Both run
// lsp.Serve in process over a net.Pipe, with a logger that fails the input on any panic
// recovered by the server. Seeds are LSP messages about the Smalltalk sources of
// lsp/smalltalk/testdata/parse and the malformed inputs of TestBadInputMalformedJSONRPC.
// CI runs the seeds (go test -run Fuzz); a search runs with
//
//	go test -run '^$' -fuzz FuzzMessage -fuzztime 1m ./lsp/lsptest/

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/stui-dev/stui/lsp"
)

// fuzzServer is lsp.Serve on one end of a pipe; out receives the bodies it writes.
type fuzzServer struct {
	conn net.Conn
	out  chan []byte
	bad  chan string // frames the server wrote that are not framed JSON
	done chan error
	logs *observer.ObservedLogs
}

// closedEndpoint is an endpoint where nothing listens, so that a server told
// `initialized` by the fuzzer tries no real image.
var closedEndpoint = func() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "tcp://127.0.0.1:1"
	}
	defer ln.Close()
	return "tcp://" + ln.Addr().String()
}()

func startFuzzServer(t *testing.T) *fuzzServer {
	core, logs := observer.New(zapcore.WarnLevel)
	sconn, cconn := net.Pipe()
	s := &fuzzServer{conn: cconn, out: make(chan []byte, 1024), bad: make(chan string, 16), done: make(chan error, 1), logs: logs}
	state := t.TempDir()
	go func() {
		s.done <- lsp.Serve(context.Background(), sconn, lsp.Config{Logger: zap.New(core), StateDir: state})
	}()
	go s.read()
	return s
}

// read reads the server's frames until the pipe closes.
func (s *fuzzServer) read() {
	defer close(s.out)
	in := bufio.NewReader(s.conn)
	for {
		length := -1
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		if length < 0 {
			s.bad <- "a frame without Content-Length"
			return
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(in, body); err != nil {
			return
		}
		if !json.Valid(body) {
			s.bad <- fmt.Sprintf("a body that is not JSON: %q", body)
		}
		select {
		case s.out <- body:
		default: // nobody waits for it
		}
	}
}

// write writes b, failing the test only when the server stopped reading without ending.
func (s *fuzzServer) write(t *testing.T, b []byte) bool {
	s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := s.conn.Write(b)
	return err == nil
}

// end closes the client's side, waits for Serve, and checks the log and the frames.
func (s *fuzzServer) end(t *testing.T) {
	s.conn.Close()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the connection closed")
	}
	for range s.out {
	}
	select {
	case b := <-s.bad:
		t.Fatalf("the server wrote %s", b)
	default:
	}
	for _, e := range s.logs.All() {
		if strings.Contains(e.Message, "panic") {
			t.Fatalf("the server recovered a panic: %s %v", e.Message, e.ContextMap())
		}
	}
}

// waitID waits for the answer to the request with id, and answers false if the server
// ended first.
func (s *fuzzServer) waitID(t *testing.T, id string) bool {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case b, ok := <-s.out:
			if !ok {
				return false
			}
			var m struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			if json.Unmarshal(b, &m) == nil && string(m.ID) == id && m.Method == "" {
				return true
			}
		case <-timeout:
			t.Fatalf("no answer to request %s", id)
		}
	}
}

func fuzzFrame(body string) []byte { return rawFrame(body) }

var initializeMsg = fmt.Sprintf(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"capabilities":{},"initializationOptions":{"endpoint":%q}}}`, closedEndpoint)

// fuzzSeeds answers LSP messages about the Smalltalk sources of the parser's testdata.
func fuzzSeeds(f *testing.F) []string {
	root, err := ModuleRoot()
	if err != nil {
		f.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "lsp", "smalltalk", "testdata", "parse", "*.st"))
	if len(files) == 0 {
		f.Fatal("no Smalltalk sources in lsp/smalltalk/testdata/parse")
	}
	seeds := []string{
		`{"jsonrpc":"2.0","method":"initialized","params":{}}`,
		`{"jsonrpc":"2.0","id":1,"method":"shutdown"}`,
		`{"jsonrpc":"2.0","method":"exit"}`,
		`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}`,
		`{"jsonrpc":"2.0","id":2,"method":"workspace/symbol","params":{"query":"C"}}`,
		`{"jsonrpc":"2.0","id":3,"method":"stui/inspect","params":{"uri":"file:///w/a.st","expression":"3 @ 4"}}`,
		`{"jsonrpc":"2.0","id":4,"method":"workspace/executeCommand","params":{"command":"stui.printIt","arguments":[{"uri":"file:///w/a.st","range":{"start":{"line":0,"character":0},"end":{"line":0,"character":5}}}]}}`,
		`{"jsonrpc":"2.0","id":1,"method":`, `hello`, `[1,2]`, `{"jsonrpc":"2.0","id":777,"method":12}`,
		`{"jsonrpc":"2.0","method":"textDocument/didChange","params":[1,2]}`,
	}
	for i, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		u := fmt.Sprintf("file:///w/%s", filepath.Base(file))
		text, _ := json.Marshal(string(b))
		seeds = append(seeds,
			fmt.Sprintf(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":%q,"languageId":"smalltalk","version":1,"text":%s}}}`, u, text),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/hover","params":{"textDocument":{"uri":%q},"position":{"line":%d,"character":%d}}}`, 10+i, u, i, 3*i),
			fmt.Sprintf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":%q,"version":2},"contentChanges":[{"range":{"start":{"line":1,"character":2},"end":{"line":%d,"character":0}},"text":"x := 1."}]}}`, u, i+2),
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/documentSymbol","params":{"textDocument":{"uri":%q}}}`, 50+i, u),
		)
	}
	return seeds
}

// FuzzStream writes arbitrary bytes to the server, framed or not: it answers only framed
// JSON, recovers no panic, and ends when the connection closes.
func FuzzStream(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(append(fuzzFrame(initializeMsg), fuzzFrame(s)...))
		f.Add([]byte(s))
	}
	f.Add([]byte("Content-Length: 5\r\n\r\nhelloContent-Length: 99999999999\r\n\r\n"))
	f.Add([]byte("xyz\nContent-Length: 2\r\n\r\n{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s := startFuzzServer(t)
		s.write(t, in)
		s.end(t)
	})
}

// FuzzMessage sends initialize, then one framed message of arbitrary content, then a
// probe request: unless the message ended the session (exit), the probe is answered,
// whatever the message was.
func FuzzMessage(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := startFuzzServer(t)
		defer s.end(t)
		if !s.write(t, fuzzFrame(initializeMsg)) || !s.waitID(t, `"init"`) {
			t.Fatal("initialize was not answered")
		}
		if !s.write(t, fuzzFrame(body)) {
			return // the message ended the session
		}
		probe := fuzzFrame(`{"jsonrpc":"2.0","id":"probe","method":"workspace/symbol","params":{"query":""}}`)
		if !s.write(t, probe) {
			return
		}
		if !s.waitID(t, `"probe"`) {
			if strings.Contains(body, "exit") || strings.Contains(body, "shutdown") {
				return // exit (after shutdown or not) ends the session
			}
			select {
			case err := <-s.done:
				s.done <- err
				t.Fatalf("the server ended (%v) after %q", err, body)
			default:
				t.Fatalf("the server stopped answering after %q", body)
			}
		}
	})
}
