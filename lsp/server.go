// Package lsp is stui-lsp, the language server that connects an editor to a live Pharo
// image. Start with [Serve]: it speaks LSP on a connection (stdio in cmd/stui-lsp) and
// talks to the image through package bridge.
//
// The server runs go.lsp.dev/protocol's types over its own handler chain (see handle):
// notifications run inline in wire order, each request runs in its own goroutine and can
// be cancelled with $/cancelRequest, panics are recovered, and errors travel only in
// replies so that the connection never closes because of one request; the framing
// (internal/framing) answers malformed input with an error and keeps reading.
//
// The feature families live in one file each: lifecycle.go, textsync.go (and
// diagnostics.go), hover.go, completion.go, definition.go (and references), actions.go
// (code actions, commands, stui/inspect, progress; evalerror.go: the data of failed
// evaluations), workspace.go (folders, settings, watched files), symbols.go (outline,
// folding, selection ranges, workspace symbols), unimplemented.go.
// The image side: live.go (one connection per endpoint, availability, stui/status),
// sessions.go (a bridge.Registry per image), index.go (the completion index),
// supervisor.go and launcher.go (images stui-lsp starts). parse.go adapts the parser.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-dev/stui/lsp/internal/framing"
)

// Config is what the caller of Serve provides.
type Config struct {
	// Logger receives the server's log; nil logs nothing. It must not write to stdout.
	// Entries at warning level and above are also sent to the client as
	// window/logMessage.
	Logger *zap.Logger
	// Version is answered in initialize's serverInfo.
	Version string
	// Launcher starts images named by image.path; nil uses bridge/launch.
	Launcher Launcher
	// StateDir holds the sessions' state file (session ids per folder, so that a restarted
	// stui-lsp finds its sessions again); empty: bridge.DefaultStateFile().
	StateDir string

	panicOn   string        // tests: the handler of this method panics
	onIndexed func()        // tests: called after each refresh of the completion index
	onServer  func(*server) // tests: told the server Serve made
	onScanned func()        // tests: called after each scan of the workspace folders
	onWatched func()        // tests: called after each batch of watched-file events is indexed

	beforeEvaluate func(context.Context) // tests: called before an evaluation is sent to the image
}

// ErrExitWithoutShutdown is answered by Serve when the client sent exit before shutdown;
// the process should exit with status 1.
var ErrExitWithoutShutdown = errors.New("exit without shutdown")

// Serve runs the language server on conn until the client sends exit, conn is closed or
// ctx is done. It closes conn and answers nil after a clean shutdown and exit.
func Serve(ctx context.Context, conn io.ReadWriteCloser, cfg Config) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := newServer(ctx, cfg)
	if cfg.onServer != nil {
		cfg.onServer(s)
	}
	stream := framing.NewStream(conn)
	stream.OnBadMessage = func(err error) { s.logger.Warn("malformed message answered with an error", zap.Error(err)) }
	s.conn = jsonrpc2.NewConn(stream)
	s.conn.Go(ctx, s.handle)
	go s.forwardLogs(ctx)
	select {
	case <-s.conn.Done():
	case <-ctx.Done():
		_ = s.conn.Close()
		<-s.conn.Done()
	}
	cancel()
	s.close()
	if s.lifecycle() == stateExited && !s.shutdownSeen() {
		return ErrExitWithoutShutdown
	}
	return nil
}

// server implements protocol.Server. Its fields are grouped by the mutex that guards them.
type server struct {
	ctx      context.Context // done when Serve returns
	logger   *zap.Logger     // forwards warnings to the client
	baseLog  *zap.Logger     // does not forward (used for the forwarding itself)
	cfg      Config
	conn     jsonrpc2.Conn
	logQueue chan protocol.LogMessageParams // bounded; full: dropped

	inflight sync.WaitGroup // requests running; Add and Wait only on the read loop

	reqMu    sync.Mutex                         // guards requests
	requests map[jsonrpc2.ID]context.CancelFunc // in-flight requests by id

	stateMu    sync.Mutex // guards the lifecycle fields below
	state      state
	shutdown   bool
	clientCaps protocol.ClientCapabilities
	initOpts   json.RawMessage // initializationOptions, used when configuration pull fails
	pushedOpts json.RawMessage // the stui section last pushed with didChangeConfiguration

	configMu sync.Mutex // serializes loadConfiguration

	progressMu sync.Mutex                    // guards progress
	progress   map[string]context.CancelFunc // cancels the work of a progress token

	evalMu sync.Mutex                   // guards evals
	evals  map[string]map[*evalRun]bool // evaluation commands read and not answered, by folder path

	watch fileWatch // watched-file events waiting to be indexed

	scratch     string       // directory of generated read-only files; guarded by scratchMu
	inspections atomic.Int64 // numbers the inspection documents

	docs  *documents
	wsIdx *workspaceIndex
	ws    *workspace
	live  *live
}

func newServer(ctx context.Context, cfg Config) *server {
	base := cfg.Logger
	if base == nil {
		base = zap.NewNop()
	}
	s := &server{
		ctx:      ctx,
		baseLog:  base,
		cfg:      cfg,
		logQueue: make(chan protocol.LogMessageParams, 64),
		requests: make(map[jsonrpc2.ID]context.CancelFunc),
		progress: make(map[string]context.CancelFunc),
		evals:    make(map[string]map[*evalRun]bool),
	}
	s.logger = zap.New(forwardingCore(base.Core(), s.logQueue))
	s.docs = newDocuments()
	s.wsIdx = newWorkspaceIndex()
	s.ws = newWorkspace()
	s.live = newLive(s)
	return s
}

// close releases what the server holds: sessions, supervised images, timers.
func (s *server) close() {
	s.docs.close()
	s.live.close()
	s.removeScratch()
}

// handle is the jsonrpc2 handler. It always answers nil: errors go in replies.
func (s *server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	if req.Method() == "$/cancelRequest" {
		s.cancelRequest(req.Params())
		return nil
	}
	call, isCall := req.(*jsonrpc2.Call)
	if !isCall {
		s.notification(ctx, req)
		return nil
	}
	if err := s.admit(call.Method()); err != nil {
		_ = reply(ctx, nil, err)
		return nil
	}
	if call.Method() == protocol.MethodShutdown {
		// Recorded at once, in wire order: the exit that follows must see it.
		s.markShutdown()
	}
	if call.Method() == protocol.MethodInitialize {
		// Inline, so that the requests that follow see the server initialized.
		s.runRequest(ctx, call, reply)
		return nil
	}
	s.inflight.Add(1)
	rctx := s.track(call)
	answered := s.announceEvaluation(call)
	go func() {
		defer s.inflight.Done()
		defer answered()
		s.runTracked(rctx, call, reply)
	}()
	return nil
}

// runRequest runs one request with its own cancellable context; see runTracked.
func (s *server) runRequest(_ context.Context, call *jsonrpc2.Call, reply jsonrpc2.Replier) {
	s.runTracked(s.track(call), call, reply)
}

// track registers a request's cancel function, on the read loop, so that a
// $/cancelRequest read right after it finds it.
func (s *server) track(call *jsonrpc2.Call) context.Context {
	rctx, cancel := context.WithCancel(s.ctx)
	s.reqMu.Lock()
	s.requests[call.ID()] = cancel
	s.reqMu.Unlock()
	return rctx
}

// runTracked runs a tracked request, recovering panics. The reply is sent once: the
// handler's answer, or RequestCancelled as soon as the request is cancelled, whichever
// comes first.
func (s *server) runTracked(rctx context.Context, call *jsonrpc2.Call, reply jsonrpc2.Replier) {
	id := call.ID()
	defer func() {
		s.reqMu.Lock()
		cancel := s.requests[id]
		delete(s.requests, id)
		s.reqMu.Unlock()
		if cancel != nil {
			cancel()
		}
	}()

	var once sync.Once
	send := func(result any, err error) {
		once.Do(func() {
			// The reply is written even when rctx is done.
			if werr := reply(context.WithoutCancel(rctx), result, wireError(err)); werr != nil {
				s.baseLog.Debug("reply not written", zap.String("method", call.Method()), zap.Error(werr))
			}
		})
	}
	stop := context.AfterFunc(rctx, func() { send(nil, protocol.ErrRequestCancelled) })
	defer stop()
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("panic in request handler", zap.String("method", call.Method()),
				zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			send(nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "stui-lsp: internal error in %s: %v", call.Method(), r))
		}
	}()
	start := time.Now()
	if s.cfg.panicOn != "" && s.cfg.panicOn == call.Method() {
		panic("test panic in " + call.Method())
	}
	s.dispatch(rctx, call, func(_ context.Context, result any, err error) error {
		if rctx.Err() != nil {
			err = protocol.ErrRequestCancelled
		}
		send(result, err)
		return nil
	})
	s.baseLog.Debug("request", zap.String("method", call.Method()), zap.Duration("took", time.Since(start)))
}

// cancelRequest cancels the request named by $/cancelRequest's id (number or string).
func (s *server) cancelRequest(params json.RawMessage) {
	var p struct {
		ID jsonrpc2.ID `json:"id"`
	}
	if err := json.Unmarshal(params, &p); err != nil {
		s.logger.Warn("$/cancelRequest with an unreadable id", zap.Error(err))
		return
	}
	s.reqMu.Lock()
	cancel := s.requests[p.ID]
	s.reqMu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// notification runs a notification inline, in wire order, recovering panics.
func (s *server) notification(ctx context.Context, req jsonrpc2.Request) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("panic in notification handler", zap.String("method", req.Method()),
				zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
		}
	}()
	if !s.admitNotification(req.Method()) {
		return
	}
	if req.Method() == protocol.MethodTextDocumentDidChange {
		// Decoded here: protocol's TextDocumentContentChangeEvent.Range is not a pointer.
		s.didChangeRaw(req.Params())
		return
	}
	err := protocol.ServerHandler(s, nil)(ctx, func(context.Context, any, error) error { return nil }, req)
	if err != nil {
		s.logger.Warn("notification failed", zap.String("method", req.Method()), zap.Error(err))
	}
}

// replyFunc is a request's replier.
type replyFunc = jsonrpc2.Replier

// dispatch routes a request: our custom and 3.16+ methods first, then protocol's
// dispatcher, which decodes the parameters and calls the protocol.Server methods.
func (s *server) dispatch(ctx context.Context, call *jsonrpc2.Call, reply replyFunc) {
	var err error
	switch call.Method() {
	case MethodInspect:
		err = decodeAndReply(ctx, call, reply, s.inspectRequest)
	case methodSelectionRange:
		err = decodeAndReply(ctx, call, reply, s.selectionRange)
	default:
		err = protocol.ServerHandler(s, nil)(ctx, reply, call)
	}
	if err != nil {
		s.baseLog.Debug("dispatch", zap.String("method", call.Method()), zap.Error(err))
	}
}

func decodeAndReply[P, R any](ctx context.Context, call *jsonrpc2.Call, reply replyFunc, f func(context.Context, *P) (R, error)) error {
	var p P
	if err := json.Unmarshal(call.Params(), &p); err != nil {
		return reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: invalid parameters: %v", call.Method(), err))
	}
	r, err := f(ctx, &p)
	return reply(ctx, r, err)
}

// codeRequestFailed is LSP 3.17's RequestFailed: a request that was valid but failed.
const codeRequestFailed jsonrpc2.Code = -32803

// wireError makes err a *jsonrpc2.Error that keeps the whole message: a wrapped jsonrpc2
// error lends its code, another error is RequestFailed.
func wireError(err error) error {
	if err == nil {
		return nil
	}
	var w *jsonrpc2.Error
	if errors.As(err, &w) {
		if w == err {
			return w
		}
		return &jsonrpc2.Error{Code: w.Code, Message: err.Error()}
	}
	if errors.Is(err, context.Canceled) {
		return protocol.ErrRequestCancelled
	}
	return &jsonrpc2.Error{Code: codeRequestFailed, Message: err.Error()}
}

// notify sends a notification to the client. It does not wait for an answer, so it is
// safe anywhere.
func (s *server) notify(method string, params any) {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	if err := s.conn.Notify(ctx, method, params); err != nil {
		s.baseLog.Debug("notification not sent", zap.String("method", method), zap.Error(err))
	}
}

// call makes a server->client request. It must not be called from a notification handler
// (they run on the read loop, which the answer needs). Deadline: timeout.
func (s *server) call(ctx context.Context, timeout time.Duration, method string, params, result any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := s.conn.Call(ctx, method, params, result)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	return nil
}

// showMessage tells the user something through window/showMessage.
func (s *server) showMessage(typ protocol.MessageType, format string, args ...any) {
	s.notify(protocol.MethodWindowShowMessage, &protocol.ShowMessageParams{Type: typ, Message: fmt.Sprintf(format, args...)})
}

// StdioConn joins a reader and a writer (stdin and stdout) into the connection Serve
// takes. Close closes both.
func StdioConn(in io.ReadCloser, out io.WriteCloser) io.ReadWriteCloser {
	return stdio{in, out}
}

type stdio struct {
	io.ReadCloser
	out io.WriteCloser
}

func (s stdio) Write(p []byte) (int, error) { return s.out.Write(p) }

func (s stdio) Close() error {
	return errors.Join(s.ReadCloser.Close(), s.out.Close())
}
