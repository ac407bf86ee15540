package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stui-dev/stui/bridge/bridgetest"
)

// testDeadline bounds every wait of the tests.
const testDeadline = 20 * time.Second

// client is the editor side of an in-process stui-lsp: a jsonrpc2 connection over
// net.Pipe, recording what the server sends and answering its requests.
type client struct {
	t    testing.TB
	conn jsonrpc2.Conn
	done chan error // Serve's answer
	dir  string     // the workspace folder

	// settings answers workspace/configuration, per scopeUri ("" for none).
	settings func(scope string) any
	// applyEdit answers workspace/applyEdit; nil: applied.
	applyEdit func(protocol.ApplyWorkspaceEditParams) bool

	sent *recordingStream
	srv  *server // the server, for white-box checks

	mu       sync.Mutex // guards the fields below
	received []received
	changed  chan struct{} // closed and replaced when something is received
	edits    []protocol.ApplyWorkspaceEditParams
}

type received struct {
	Method string
	Params json.RawMessage
}

type testOptions struct {
	cfg      Config
	folders  []string // relative to the temporary directory; nil: one, "ws"
	initOpts any
	settings func(scope string) any
	caps     protocol.ClientCapabilities
	noInit   bool
	files    map[string]string // written under the temporary directory before start
}

// logBuffer keeps the server's log and prints it when the test fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) Sync() error { return nil }

func testLogger(t testing.TB) *zap.Logger {
	lb := &logBuffer{}
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	t.Cleanup(func() {
		if t.Failed() {
			lb.mu.Lock()
			t.Logf("server log:\n%s", lb.buf.String())
			lb.mu.Unlock()
		}
	})
	return zap.New(zapcore.NewCore(enc, lb, zapcore.DebugLevel))
}

// startServer runs stui-lsp in-process and answers a client connected to it, initialized
// unless o.noInit.
func startServer(t testing.TB, o testOptions) *client {
	t.Helper()
	dir := t.TempDir()
	for name, content := range o.files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if o.cfg.Logger == nil {
		o.cfg.Logger = testLogger(t)
	}
	if o.cfg.StateDir == "" {
		o.cfg.StateDir = t.TempDir()
	}
	sconn, cconn := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	c := &client{t: t, done: make(chan error, 1), dir: dir, settings: o.settings, changed: make(chan struct{})}
	started := make(chan *server, 1)
	o.cfg.onServer = func(s *server) { started <- s }
	go func() { c.done <- Serve(ctx, sconn, o.cfg) }()
	c.srv = <-started
	c.sent = &recordingStream{Stream: jsonrpc2.NewStream(cconn), changed: make(chan struct{})}
	c.conn = jsonrpc2.NewConn(c.sent)
	c.conn.Go(ctx, c.handle)
	t.Cleanup(func() {
		cancel()
		_ = c.conn.Close()
		select {
		case <-c.done:
		case <-time.After(testDeadline):
			t.Errorf("Serve did not return within %s of the end of the test", testDeadline)
		}
	})
	if o.noInit {
		return c
	}
	folders := o.folders
	if folders == nil {
		folders = []string{"ws"}
	}
	var wf []protocol.WorkspaceFolder
	for _, f := range folders {
		p := filepath.Join(dir, f)
		_ = os.MkdirAll(p, 0o755)
		wf = append(wf, protocol.WorkspaceFolder{URI: string(uri.File(p)), Name: f})
	}
	caps := o.caps
	if o.settings != nil && caps.Workspace == nil {
		caps.Workspace = &protocol.WorkspaceClientCapabilities{Configuration: true}
	}
	var res protocol.InitializeResult
	c.call("initialize", &protocol.InitializeParams{WorkspaceFolders: wf, Capabilities: caps, InitializationOptions: o.initOpts}, &res)
	if res.ServerInfo == nil || res.ServerInfo.Name != "stui-lsp" {
		t.Fatalf("initialize answered %+v", res)
	}
	c.notify("initialized", &protocol.InitializedParams{})
	return c
}

// handle records notifications and answers the server's requests. It answers nil even
// when a reply cannot be written (the test ended): jsonrpc2 v0.10.0's conn panics when a
// handler's error and then the read error fail it with errors of different types.
func (c *client) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	_ = c.answer(ctx, reply, req) // not logged: the test may have ended
	return nil
}

func (c *client) answer(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	c.mu.Lock()
	c.received = append(c.received, received{req.Method(), append(json.RawMessage(nil), req.Params()...)})
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	switch req.Method() {
	case "workspace/configuration":
		var p protocol.ConfigurationParams
		_ = json.Unmarshal(req.Params(), &p)
		out := make([]any, len(p.Items))
		for i, it := range p.Items {
			if c.settings != nil {
				out[i] = c.settings(string(it.ScopeURI))
			}
		}
		return reply(ctx, out, nil)
	case "workspace/applyEdit":
		var p protocol.ApplyWorkspaceEditParams
		_ = json.Unmarshal(req.Params(), &p)
		c.mu.Lock()
		c.edits = append(c.edits, p)
		c.mu.Unlock()
		ok := c.applyEdit == nil || c.applyEdit(p)
		return reply(ctx, protocol.ApplyWorkspaceEditResponse{Applied: ok}, nil)
	case "window/showDocument":
		return reply(ctx, protocol.ShowDocumentResult{Success: true}, nil)
	}
	return reply(ctx, nil, nil)
}

// call makes a request and fails the test on an error.
func (c *client) call(method string, params, result any) {
	c.t.Helper()
	if err := c.try(method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

// try makes a request within the test deadline.
func (c *client) try(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

// async makes a request in the background and answers its id, once it is on the wire,
// and a channel that receives its error.
func (c *client) async(method string, params, result any) (jsonrpc2.ID, <-chan error) {
	c.t.Helper()
	ch := make(chan error, 1)
	before := c.sent.count()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
		defer cancel()
		_, err := c.conn.Call(ctx, method, params, result)
		ch <- err
	}()
	id, ok := c.sent.waitCall(before, method, testDeadline)
	if !ok {
		c.t.Fatalf("%s was not sent within %s", method, testDeadline)
	}
	return id, ch
}

// recordingStream records the calls the client writes.
type recordingStream struct {
	jsonrpc2.Stream
	mu      sync.Mutex // guards calls and changed
	calls   []*jsonrpc2.Call
	changed chan struct{}
}

func (r *recordingStream) Write(ctx context.Context, m jsonrpc2.Message) (int64, error) {
	n, err := r.Stream.Write(ctx, m)
	if c, ok := m.(*jsonrpc2.Call); ok {
		r.mu.Lock()
		r.calls = append(r.calls, c)
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
	}
	return n, err
}

func (r *recordingStream) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

func (r *recordingStream) waitCall(after int, method string, d time.Duration) (jsonrpc2.ID, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		r.mu.Lock()
		for _, c := range r.calls[after:] {
			if c.Method() == method {
				r.mu.Unlock()
				return c.ID(), true
			}
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-t.C:
			return jsonrpc2.ID{}, false
		}
	}
}

// cancel sends $/cancelRequest for id.
func (c *client) cancel(id jsonrpc2.ID) {
	c.t.Helper()
	c.notify("$/cancelRequest", map[string]any{"id": &id})
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := c.conn.Notify(ctx, method, params); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

// waitFor waits until the server has sent a message for which match answers true, after
// the first skip messages, and answers its index.
func (c *client) waitFor(skip int, match func(received) bool) (received, int) {
	c.t.Helper()
	deadline := time.NewTimer(testDeadline)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i := skip; i < len(c.received); i++ {
			if match(c.received[i]) {
				r := c.received[i]
				c.mu.Unlock()
				return r, i
			}
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			c.t.Fatalf("the server did not send the expected message within %s; it sent:\n%s", testDeadline, c.dump())
		}
	}
}

func (c *client) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.received)
}

func (c *client) all(method string) []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []received
	for _, r := range c.received {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

func (c *client) dump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, r := range c.received {
		fmt.Fprintf(&b, "  %s %s\n", r.Method, r.Params)
	}
	return b.String()
}

func isMethod(m string) func(received) bool { return func(r received) bool { return r.Method == m } }

// status matches a stui/status notification with the given state.
func status(state string) func(received) bool {
	return func(r received) bool {
		if r.Method != MethodStatus {
			return false
		}
		var p StatusParams
		_ = json.Unmarshal(r.Params, &p)
		return p.State == state
	}
}

// open opens a document under the workspace folder "ws" and answers its URI.
func (c *client) open(name, text string) protocol.DocumentURI {
	c.t.Helper()
	u := protocol.DocumentURI(uri.File(filepath.Join(c.dir, "ws", name)))
	c.notify("textDocument/didOpen", &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: "smalltalk", Version: 1, Text: text,
	}})
	return u
}

// imageSettings are settings pointing at a fake image.
func imageSettings(img *bridgetest.Server, extra map[string]any) map[string]any {
	s := map[string]any{"endpoint": img.Endpoint(), "tokenFile": ""}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// withImage starts a fake image and a server whose settings point at it (through
// initializationOptions and a token file) and waits until the server has connected.
func withImage(t testing.TB, o testOptions, imgOpts ...bridgetest.Option) (*client, *bridgetest.Server) {
	t.Helper()
	img := bridgetest.NewServer(t, imgOpts...)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte(img.Token()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := map[string]any{"endpoint": img.Endpoint(), "tokenFile": tok}
	if m, ok := o.initOpts.(map[string]any); ok {
		for k, v := range m {
			opts[k] = v
		}
	}
	o.initOpts = opts
	c := startServer(t, o)
	c.waitFor(0, status("connected"))
	return c, img
}

// position answers the position of the first match of pattern in text, at its "|" if
// it has one (the "|" is not part of the text).
func positionOf(t testing.TB, text, pattern string) protocol.Position {
	t.Helper()
	cursor := strings.Index(pattern, "|")
	plain := strings.Replace(pattern, "|", "", 1)
	i := strings.Index(text, plain)
	if i < 0 {
		t.Fatalf("pattern %q not in %q", pattern, text)
	}
	if cursor >= 0 {
		i += cursor
	}
	m := newDocument("file:///x", 0, []byte(text)).Mapper
	p, _ := m.Point(i)
	return protocol.Position{Line: p.Line, Character: p.Character}
}

func errorCode(err error) jsonrpc2.Code {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestServerNotInitialized(t *testing.T) {
	c := startServer(t, testOptions{noInit: true})
	err := c.try("textDocument/hover", &protocol.HoverParams{}, nil)
	if got := errorCode(err); got != jsonrpc2.ServerNotInitialized {
		t.Fatalf("hover before initialize: got error %v (code %d), want ServerNotInitialized (-32002)", err, got)
	}
	// The connection still serves: initialize works afterwards.
	var res protocol.InitializeResult
	c.call("initialize", &protocol.InitializeParams{}, &res)
	if err := c.try("initialize", &protocol.InitializeParams{}, nil); errorCode(err) != jsonrpc2.InvalidRequest {
		t.Fatalf("second initialize: got %v, want InvalidRequest", err)
	}
}

func TestShutdownAndExit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		shutdown bool
		want     error
	}{
		{"shutdown then exit", true, nil},
		{"exit without shutdown", false, ErrExitWithoutShutdown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startServer(t, testOptions{})
			if tc.shutdown {
				c.call("shutdown", nil, nil)
				if err := c.try("textDocument/hover", &protocol.HoverParams{}, nil); errorCode(err) != jsonrpc2.InvalidRequest {
					t.Errorf("hover after shutdown: got %v, want InvalidRequest", err)
				}
			}
			c.notify("exit", nil)
			select {
			case err := <-c.done:
				if !errors.Is(err, tc.want) && err != tc.want {
					t.Fatalf("Serve answered %v, want %v", err, tc.want)
				}
				c.done <- err // for the cleanup
			case <-time.After(testDeadline):
				t.Fatal("Serve did not return after exit")
			}
		})
	}
}

func TestUnknownMethodKeepsServing(t *testing.T) {
	c := startServer(t, testOptions{})
	err := c.try("textDocument/colorPresentation", &protocol.ColorPresentationParams{}, nil)
	if errorCode(err) != jsonrpc2.MethodNotFound {
		t.Fatalf("got %v, want MethodNotFound", err)
	}
	err = c.try("stui/nonsense", map[string]any{}, nil)
	if errorCode(err) != jsonrpc2.MethodNotFound {
		t.Fatalf("got %v, want MethodNotFound", err)
	}
	var syms []protocol.SymbolInformation
	c.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: "x"}, &syms)
}

func TestPanicInHandlerIsAnswered(t *testing.T) {
	c := startServer(t, testOptions{cfg: Config{panicOn: "textDocument/hover"}})
	err := c.try("textDocument/hover", &protocol.HoverParams{}, nil)
	if errorCode(err) != jsonrpc2.InternalError || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("got %v, want an InternalError reply", err)
	}
	var syms []protocol.SymbolInformation
	c.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: "x"}, &syms)
	// The panic is logged as an error, and errors are forwarded to the client.
	c.waitFor(0, func(r received) bool {
		return r.Method == "window/logMessage" && strings.Contains(string(r.Params), "panic")
	})
}

func TestStateNames(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{stateUninitialized.String(), "uninitialized"},
		{stateInitialized.String(), "initialized"},
		{stateShutdown.String(), "shut down"},
		{stateExited.String(), "exited"},
		{state(9).String(), "state(9)"},
		{connUnknown.String(), "unknown"},
		{connConnected.String(), "connected"},
		{connUnavailable.String(), "disconnected"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestCodeActionsHonourOnly(t *testing.T) {
	c := startServer(t, testOptions{})
	u := c.open("play.st", "3 + 4.")
	for _, tc := range []struct {
		only []protocol.CodeActionKind
		want int
	}{
		{nil, 3},
		{[]protocol.CodeActionKind{"source"}, 3},
		{[]protocol.CodeActionKind{codeActionEvaluate}, 3},
		{[]protocol.CodeActionKind{protocol.QuickFix}, 0},
	} {
		var acts []protocol.CodeAction
		c.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Context: protocol.CodeActionContext{Only: tc.only}}, &acts)
		if len(acts) != tc.want {
			t.Errorf("only %v: %d actions, want %d", tc.only, len(acts), tc.want)
		}
	}
}
