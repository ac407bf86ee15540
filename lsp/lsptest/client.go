// Package lsptest drives stui-lsp from the outside, as an editor does: a small LSP client
// over pipes, speaking go.lsp.dev/jsonrpc2 to the stui-lsp binary (or, for the tests that
// count goroutines, to lsp.Serve in the same process over a net.Pipe). The load, soak,
// fault, security and fuzz tests of stui-lsp live in this package; `stui bench` uses the
// client for its end-to-end layer. lsp/RELIABILITY.md says what the tests show.
//
// Start with [Build] and [StartBinary]:
//
//	bin, err := lsptest.Build(ctx, dir)
//	c, err := lsptest.StartBinary(ctx, bin, lsptest.Options{Folders: dirs, Settings: map[string]any{
//		"endpoint": img.Endpoint(), "tokenFile": tokenFile}}, nil)
//	defer c.Close(ctx)
//
// The client answers the server's requests itself: workspace/configuration with
// Options.Settings (the same values are sent as initializationOptions),
// workspace/applyEdit with applied: true (the edit is not applied to the client's copy of
// the document), and progress and showDocument requests with success. Every notification
// and request of the server is recorded; WaitFor waits for one.
package lsptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// Options configures a client.
type Options struct {
	// Folders are the workspace folders (paths), in the order given to initialize.
	Folders []string
	// Settings is the `stui` section: sent as initializationOptions and answered to every
	// workspace/configuration item. FolderSettings, when it has the folder (path), answers
	// that folder's items instead.
	Settings       map[string]any
	FolderSettings map[string]map[string]any
	// Capabilities are the client's capabilities; workspace.configuration is always set.
	Capabilities protocol.ClientCapabilities
	// Keep bounds how many received messages are kept (0: all). Soak runs set it.
	Keep int
}

// Message is a notification or request the server sent to the client.
type Message struct {
	Method string
	Params json.RawMessage
	Call   bool // a request (it was answered), not a notification
}

// Client is an LSP client connected to one stui-lsp. Its methods are safe for concurrent
// use. Release it with Close.
type Client struct {
	conn jsonrpc2.Conn
	opts Options
	cmd  *exec.Cmd          // nil in process
	done chan error         // the process's or Serve's end; holds it once ended
	errb *syncBuffer        // the process's stderr
	rwc  io.ReadWriteCloser // the pipes

	wmu sync.Mutex // serializes writes to rwc: messages and WriteRaw

	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex // guards the fields below
	received []Message
	bad      []string      // messages from the server that are not JSON-RPC messages
	dropped  int           // messages dropped from the front of received (Keep)
	changed  chan struct{} // closed and replaced when a message arrives
}

// Build builds cmd/stui-lsp of this module into dir and answers the binary's path. It
// needs the go command and the module's source tree.
func Build(ctx context.Context, dir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "stui-lsp")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/stui-lsp")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("lsptest: go build ./cmd/stui-lsp: %v\n%s", err, out)
	}
	return bin, nil
}

// ModuleRoot answers the directory of the module's source tree (the directory of go.mod).
func ModuleRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("lsptest: cannot find the module's source tree")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("lsptest: the module's source tree is not at %s: %w", root, err)
	}
	return filepath.Clean(root), nil
}

// StartBinary starts the stui-lsp binary with args, connects to it over its stdin and
// stdout, and initializes it with o. env ("K=V") is added to the current environment.
// Close stops it.
func StartBinary(ctx context.Context, bin string, o Options, env []string, args ...string) (*Client, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errb := &syncBuffer{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lsptest: starting %s: %w", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	c := connect(pipes{out, in}, o)
	c.cmd, c.done, c.errb = cmd, done, errb
	if err := c.initialize(ctx); err != nil {
		c.kill()
		return nil, fmt.Errorf("%w; stderr:\n%s", err, errb.String())
	}
	return c, nil
}

// ServeFunc runs a language server on conn until it ends: lsp.Serve with its config.
type ServeFunc func(ctx context.Context, conn io.ReadWriteCloser) error

// StartInProcess runs serve on one end of a net.Pipe and connects the client to the other
// end, then initializes it. Close ends serve.
func StartInProcess(ctx context.Context, serve ServeFunc, o Options) (*Client, error) {
	sconn, cconn := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(context.Background(), sconn) }()
	c := connect(cconn, o)
	c.done = done
	if err := c.initialize(ctx); err != nil {
		c.kill()
		return nil, err
	}
	return c, nil
}

func connect(rwc io.ReadWriteCloser, o Options) *Client {
	c := &Client{opts: o, rwc: rwc, changed: make(chan struct{})}
	c.conn = jsonrpc2.NewConn(&stream{Stream: jsonrpc2.NewStream(rwc), c: c})
	c.conn.Go(context.Background(), c.handle)
	return c
}

// stream is jsonrpc2's stream, with writes serialized with WriteRaw, and messages that
// do not decode (an error answer with a null id, the answer to a malformed message)
// recorded rather than fatal: jsonrpc2's connection ends on the first one.
type stream struct {
	jsonrpc2.Stream
	c *Client
}

func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		msg, n, err := s.Stream.Read(ctx)
		if err != nil && n > 0 && (errors.Is(err, jsonrpc2.ErrInvalidRequest) || strings.HasPrefix(err.Error(), "unmarshaling jsonrpc message")) {
			s.c.mu.Lock()
			s.c.bad = append(s.c.bad, err.Error())
			s.c.mu.Unlock()
			continue
		}
		return msg, n, err
	}
}

func (s *stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	s.c.wmu.Lock()
	defer s.c.wmu.Unlock()
	return s.Stream.Write(ctx, msg)
}

// WriteRaw writes b to the server as it is, between two messages of the client: for
// tests of malformed input.
func (c *Client) WriteRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.rwc.Write(b)
	return err
}

// Undecodable answers how many messages from the server did not decode as JSON-RPC
// messages (with jsonrpc2's decoder): the answers to malformed messages, whose id is
// null, are such.
func (c *Client) Undecodable() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bad)
}

type pipes struct {
	io.ReadCloser
	w io.WriteCloser
}

func (p pipes) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipes) Close() error                { return errors.Join(p.w.Close(), p.ReadCloser.Close()) }

// FileURI answers the file: URI of a path.
func FileURI(path string) protocol.DocumentURI { return protocol.DocumentURI(uri.File(path)) }

func (c *Client) initialize(ctx context.Context) error {
	caps := c.opts.Capabilities
	if caps.Workspace == nil {
		caps.Workspace = &protocol.WorkspaceClientCapabilities{}
	}
	caps.Workspace.Configuration = true
	caps.Workspace.WorkspaceFolders = true
	var folders []protocol.WorkspaceFolder
	for _, f := range c.opts.Folders {
		folders = append(folders, protocol.WorkspaceFolder{URI: string(FileURI(f)), Name: filepath.Base(f)})
	}
	params := &protocol.InitializeParams{
		ProcessID:             int32(os.Getpid()),
		Capabilities:          caps,
		WorkspaceFolders:      folders,
		InitializationOptions: c.opts.Settings,
	}
	var res protocol.InitializeResult
	if err := c.Call(ctx, protocol.MethodInitialize, params, &res); err != nil {
		return fmt.Errorf("lsptest: initialize: %w", err)
	}
	if res.ServerInfo == nil || res.ServerInfo.Name != "stui-lsp" {
		return fmt.Errorf("lsptest: initialize answered %+v, not stui-lsp's server info", res.ServerInfo)
	}
	return c.Notify(ctx, protocol.MethodInitialized, &protocol.InitializedParams{})
}

// handle records what the server sends and answers its requests.
func (c *Client) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	_, isCall := req.(*jsonrpc2.Call)
	c.record(Message{Method: req.Method(), Params: append(json.RawMessage(nil), req.Params()...), Call: isCall})
	if !isCall {
		return nil
	}
	switch req.Method() {
	case protocol.MethodWorkspaceConfiguration:
		var p protocol.ConfigurationParams
		if err := json.Unmarshal(req.Params(), &p); err != nil {
			return reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%v", err))
		}
		out := make([]any, len(p.Items))
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, it := range p.Items {
			out[i] = c.opts.Settings
			if it.ScopeURI != "" {
				if s, ok := c.opts.FolderSettings[uri.URI(it.ScopeURI).Filename()]; ok {
					out[i] = s
				}
			}
		}
		return reply(ctx, out, nil)
	case protocol.MethodWorkspaceApplyEdit:
		return reply(ctx, &protocol.ApplyWorkspaceEditResponse{Applied: true}, nil)
	case protocol.MethodShowDocument:
		return reply(ctx, &protocol.ShowDocumentResult{Success: true}, nil)
	case protocol.MethodWorkDoneProgressCreate, protocol.MethodClientRegisterCapability, protocol.MethodClientUnregisterCapability:
		return reply(ctx, nil, nil)
	}
	return reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "lsptest: the client does not implement %s", req.Method()))
}

func (c *Client) record(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.received = append(c.received, m)
	if c.opts.Keep > 0 && len(c.received) > 2*c.opts.Keep {
		n := len(c.received) - c.opts.Keep
		c.received = append([]Message(nil), c.received[n:]...)
		c.dropped += n
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// Count answers how many messages the server has sent so far; pass it to WaitFor to wait
// only for later ones.
func (c *Client) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped + len(c.received)
}

// Received answers the messages received from index from on (those still kept).
func (c *Client) Received(from int) []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := max(from-c.dropped, 0)
	if i > len(c.received) {
		return nil
	}
	return append([]Message(nil), c.received[i:]...)
}

// WaitFor waits for a message, received at index from or later, for which match answers
// true; it answers the message and the index after it.
func (c *Client) WaitFor(ctx context.Context, from int, match func(Message) bool) (Message, int, error) {
	for {
		c.mu.Lock()
		changed := c.changed
		for i := max(from-c.dropped, 0); i < len(c.received); i++ {
			if m := c.received[i]; match(m) {
				n := c.dropped + i + 1
				c.mu.Unlock()
				return m, n, nil
			}
		}
		from = c.dropped + len(c.received)
		c.mu.Unlock()
		select {
		case <-changed:
		case <-c.conn.Done():
			return Message{}, from, fmt.Errorf("lsptest: the connection ended while waiting: %v", c.conn.Err())
		case <-ctx.Done():
			return Message{}, from, fmt.Errorf("lsptest: no such message from the server: %w", ctx.Err())
		}
	}
}

// SetFolderSettings changes the settings answered to workspace/configuration for the
// folder (path); send workspace/didChangeConfiguration for the server to ask again.
func (c *Client) SetFolderSettings(folder string, settings map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opts.FolderSettings == nil {
		c.opts.FolderSettings = map[string]map[string]any{}
	}
	c.opts.FolderSettings[folder] = settings
}

// Status answers a matcher of stui/status notifications with the given state.
func Status(state string) func(Message) bool {
	return func(m Message) bool {
		if m.Method != "stui/status" {
			return false
		}
		var p struct {
			State string `json:"state"`
		}
		return json.Unmarshal(m.Params, &p) == nil && p.State == state
	}
}

// ShowMessage answers a matcher of window/showMessage notifications whose message
// contains text.
func ShowMessage(text string) func(Message) bool {
	return func(m Message) bool {
		if m.Method != protocol.MethodWindowShowMessage {
			return false
		}
		var p protocol.ShowMessageParams
		return json.Unmarshal(m.Params, &p) == nil && bytes.Contains([]byte(p.Message), []byte(text))
	}
}

// Call sends a request and decodes its result into result (nil: dropped). An error
// answer is a *jsonrpc2.Error.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

// Notify sends a notification.
func (c *Client) Notify(ctx context.Context, method string, params any) error {
	return c.conn.Notify(ctx, method, params)
}

// Open opens a document with text (version 1).
func (c *Client) Open(ctx context.Context, u protocol.DocumentURI, text string) error {
	return c.Notify(ctx, protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "smalltalk", Version: 1, Text: text},
	})
}

// Hover asks for the hover at pos.
func (c *Client) Hover(ctx context.Context, u protocol.DocumentURI, pos protocol.Position) (*protocol.Hover, error) {
	var h *protocol.Hover
	err := c.Call(ctx, protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: pos}}, &h)
	return h, err
}

// Completion asks for completions at pos.
func (c *Client) Completion(ctx context.Context, u protocol.DocumentURI, pos protocol.Position) (*protocol.CompletionList, error) {
	var l *protocol.CompletionList
	err := c.Call(ctx, protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: pos}}, &l)
	return l, err
}

// Execute runs workspace/executeCommand with one argument.
func (c *Client) Execute(ctx context.Context, command string, arg, result any) error {
	return c.Call(ctx, protocol.MethodWorkspaceExecuteCommand, &protocol.ExecuteCommandParams{Command: command, Arguments: []any{arg}}, result)
}

// Done is closed when the connection ends.
func (c *Client) Done() <-chan struct{} { return c.conn.Done() }

// Exited answers the server's end (the process's exit error, or Serve's answer) once it
// ended; ok is false while it runs.
func (c *Client) Exited() (err error, ok bool) {
	select {
	case err := <-c.done:
		c.done <- err
		return err, true
	default:
		return nil, false
	}
}

// WaitExit waits for the server to end, within ctx, and answers its end.
func (c *Client) WaitExit(ctx context.Context) error {
	select {
	case err := <-c.done:
		c.done <- err
		return err
	case <-ctx.Done():
		return fmt.Errorf("lsptest: the server still runs: %w", ctx.Err())
	}
}

// Pid answers the process id of the binary (0 in process).
func (c *Client) Pid() int {
	if c.cmd == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// Stderr answers what the binary wrote to stderr so far.
func (c *Client) Stderr() string {
	if c.errb == nil {
		return ""
	}
	return c.errb.String()
}

// Close shuts the server down (shutdown, exit) and waits for it to end, within ctx; past
// ctx the server is killed. It answers an error when the server did not end cleanly.
// Later calls answer the first one's error.
func (c *Client) Close(ctx context.Context) error {
	c.closeOnce.Do(func() { c.closeErr = c.close(ctx) })
	return c.closeErr
}

func (c *Client) close(ctx context.Context) error {
	serr := c.Call(ctx, protocol.MethodShutdown, nil, nil)
	_ = c.Notify(ctx, protocol.MethodExit, nil)
	var err error
	select {
	case err = <-c.done:
		c.done <- err
	case <-ctx.Done():
		c.kill()
		err = fmt.Errorf("lsptest: the server did not exit after shutdown and exit: %w", ctx.Err())
	}
	_ = c.conn.Close()
	_ = c.rwc.Close()
	if serr != nil && err == nil {
		err = fmt.Errorf("lsptest: shutdown: %w", serr)
	}
	return err
}

// Kill ends the server at once, without shutdown, and waits for it (at most 10 s).
func (c *Client) Kill() { c.kill() }

func (c *Client) kill() {
	_ = c.conn.Close()
	_ = c.rwc.Close()
	if c.cmd != nil {
		_ = c.cmd.Process.Kill()
	}
	if c.done != nil {
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		select {
		case err := <-c.done:
			c.done <- err
		case <-t.C:
		}
	}
}

// RSS answers the resident memory of the binary, in bytes (Linux only).
func (c *Client) RSS() (int64, error) {
	if c.cmd == nil {
		return 0, errors.New("lsptest: the server runs in process")
	}
	return ProcRSS(c.cmd.Process.Pid)
}

// ProcRSS answers the resident memory of process pid (0: this process), in bytes, read
// from /proc/PID/status.
func ProcRSS(pid int) (int64, error) {
	p := "self"
	if pid != 0 {
		p = strconv.Itoa(pid)
	}
	b, err := os.ReadFile(filepath.Join("/proc", p, "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			if f := bytes.Fields(v); len(f) == 2 {
				n, err := strconv.ParseInt(string(f[0]), 10, 64)
				return n * 1024, err
			}
		}
	}
	return 0, errors.New("lsptest: no VmRSS in /proc status")
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
