package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-dev/stui/bridge"
)

// codeActionEvaluate is the kind of the Print it / Do it / Inspect it actions.
const codeActionEvaluate protocol.CodeActionKind = "source.stui.evaluate"

// EvalArgs is the argument of the evaluation commands: a document and a range in it. An
// empty range means the statement at range.start.
type EvalArgs struct {
	URI   protocol.DocumentURI `json:"uri"`
	Range protocol.Range       `json:"range"`
}

// PrintItResult is what stui.printIt answers.
type PrintItResult struct {
	bridge.EvaluateResult
	// Inserted is the text inserted after the evaluated code, and Range where it went.
	Inserted string         `json:"inserted"`
	Range    protocol.Range `json:"range"`
	// Applied says whether the client applied the edit.
	Applied bool `json:"applied"`
}

// InspectRequest is the parameter of the stui/inspect request.
type InspectRequest struct {
	URI        protocol.DocumentURI `json:"uri"`
	Handle     string               `json:"handle,omitempty"`
	Expression string               `json:"expression,omitempty"`
	Offset     int                  `json:"offset"`
	Count      int                  `json:"count"`
}

func (s *server) CodeAction(ctx context.Context, params *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	if _, err := s.document(params.TextDocument.URI); err != nil {
		return nil, err
	}
	if len(params.Context.Only) > 0 && !wantsKind(params.Context.Only, codeActionEvaluate) {
		return nil, nil
	}
	args := []any{EvalArgs{URI: params.TextDocument.URI, Range: params.Range}}
	mk := func(title string, cmd Command) protocol.CodeAction {
		return protocol.CodeAction{Title: title, Kind: codeActionEvaluate, Command: &protocol.Command{Title: title, Command: string(cmd), Arguments: args}}
	}
	return []protocol.CodeAction{mk("Print it", CmdPrintIt), mk("Do it", CmdDoIt), mk("Inspect it", CmdInspect)}, nil
}

func wantsKind(only []protocol.CodeActionKind, k protocol.CodeActionKind) bool {
	for _, o := range only {
		if o == k || strings.HasPrefix(string(k), string(o)+".") {
			return true
		}
	}
	return false
}

func (s *server) ExecuteCommand(ctx context.Context, params *protocol.ExecuteCommandParams) (any, error) {
	var arg json.RawMessage
	if len(params.Arguments) > 0 {
		arg, _ = json.Marshal(params.Arguments[0])
	}
	switch Command(params.Command) {
	case CmdPrintIt:
		return withEvalArgs(ctx, s, arg, s.printIt)
	case CmdDoIt:
		return withEvalArgs(ctx, s, arg, s.doIt)
	case CmdInspect:
		return withEvalArgs(ctx, s, arg, s.inspectIt)
	case CmdInterrupt:
		return withSessionArgs(ctx, s, arg, s.interruptCmd)
	case CmdRestartSession:
		return withSessionArgs(ctx, s, arg, s.restartSession)
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "stui-lsp: unknown command %q; the commands are %v", params.Command, Commands)
}

func withEvalArgs[R any](ctx context.Context, s *server, raw json.RawMessage, f func(context.Context, *document, EvalArgs) (R, error)) (any, error) {
	var a EvalArgs
	if len(raw) == 0 || json.Unmarshal(raw, &a) != nil || a.URI == "" {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, `stui-lsp: the command takes one argument {"uri", "range"}`)
	}
	d, err := s.document(a.URI)
	if err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%v", err)
	}
	return f(ctx, d, a)
}

// SessionArgs is the argument of the session commands: a document (open or not) or a
// folder (path or file: URI; "" is the default session).
type SessionArgs struct {
	URI    protocol.DocumentURI `json:"uri"`
	Folder *string              `json:"folder"`
}

func withSessionArgs[R any](ctx context.Context, s *server, raw json.RawMessage, f func(context.Context, folder) (R, error)) (any, error) {
	var a SessionArgs
	if len(raw) == 0 || json.Unmarshal(raw, &a) != nil || (a.URI == "" && a.Folder == nil) {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, `stui-lsp: the command takes one argument {"uri"} or {"folder"}`)
	}
	if a.Folder != nil {
		p := *a.Folder
		if strings.HasPrefix(p, "file:") {
			p = uri.URI(p).Filename()
		}
		fo := s.ws.folderOf(p)
		if fo.Path != p {
			fo = s.ws.folderOf("") // not a folder: the default session
		}
		return f(ctx, fo)
	}
	path, _ := filePath(a.URI)
	return f(ctx, s.ws.folderOf(path))
}

// evalSource answers the code to evaluate for a: the selection, or the statement at the
// cursor when the selection is empty, with its byte range.
func (s *server) evalSource(d *document, r protocol.Range) (code string, start, end int, err error) {
	start, end, _ = d.Mapper.Offsets(toRange(r))
	if start > end {
		start, end = end, start
	}
	if start == end {
		var ok bool
		start, end, ok = s.statementAt(d, start)
		if !ok {
			return "", 0, 0, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "STUI: there is no statement at the cursor to evaluate; select the code")
		}
	}
	code = string(d.Text()[start:end])
	if strings.TrimSpace(code) == "" {
		return "", 0, 0, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "STUI: nothing to evaluate: the selection is empty")
	}
	return code, start, end, nil
}

// evaluate runs code in the session of d's folder. While it runs the client sees
// $/progress (when it supports it) and stui/status "evaluating"; cancelling the request
// or the progress sends interrupt to the image.
func (s *server) evaluate(ctx context.Context, d *document, title, code string, run func(context.Context, *bridge.Session) error) error {
	f := s.ws.folderOf(d.Path)
	sctx, cancel := context.WithTimeout(ctx, f.Opts.requestDeadline())
	c, sess, err := s.live.session(sctx, f)
	cancel()
	if err != nil {
		return liveError(title, err)
	}
	ctx, cancelEval := context.WithCancel(ctx)
	defer cancelEval()
	end := s.startProgress(ctx, title, firstLine(code), cancelEval)
	defer end()
	c.statusOf(f.Path, "evaluating")
	defer c.statusOf(f.Path, "")

	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(interrupted)
		ictx, cancel := context.WithTimeout(context.Background(), f.Opts.requestDeadline())
		defer cancel()
		if _, err := sess.Interrupt(ictx); err != nil {
			s.logger.Warn("interrupting a cancelled evaluation", zap.Error(err))
		}
	})
	ectx, cancel := context.WithTimeout(ctx, f.Opts.evaluateDeadline())
	defer cancel()
	err = run(ectx, sess)
	if e := bridge.ErrorOf(err); e != nil && (e.Type == bridge.SessionNotFound || e.Type == bridge.SessionExpired) && ectx.Err() == nil {
		// The image had lost the session, so the code did not run; the registry opened a
		// new session (and told the user what was lost): run it there.
		err = run(ectx, sess)
	}
	if !stop() {
		<-interrupted // the interrupt was sent (or failed) before the answer
	}
	c.observe(err)
	if err != nil {
		if ctx.Err() != nil {
			return protocol.ErrRequestCancelled
		}
		return liveError(title, err)
	}
	return nil
}

func firstLine(code string) string {
	code = strings.TrimSpace(code)
	if i := strings.IndexByte(code, '\n'); i >= 0 {
		code = code[:i] + " …"
	}
	if len(code) > 60 {
		code = code[:60] + "…"
	}
	return code
}

func (s *server) printIt(ctx context.Context, d *document, a EvalArgs) (*PrintItResult, error) {
	code, _, end, err := s.evalSource(d, a.Range)
	if err != nil {
		return nil, err
	}
	f := s.ws.folderOf(d.Path)
	var res *bridge.EvaluateResult
	err = s.evaluate(ctx, d, "Print it", code, func(ctx context.Context, sess *bridge.Session) error {
		var err error
		res, err = sess.Evaluate(ctx, bridge.EvaluateParams{Code: code, Mode: bridge.ModePrint}, f.Opts.budget())
		return err
	})
	if err != nil {
		return nil, err
	}
	// Pharo's habit: the print string goes right after the code, preceded by a space.
	insert := " " + res.PrintString
	p, _ := d.Mapper.Point(end)
	at := protocol.Position{Line: p.Line, Character: p.Character}
	out := &PrintItResult{EvaluateResult: *res, Inserted: insert, Range: protocol.Range{Start: at, End: at}}
	edit := protocol.ApplyWorkspaceEditParams{
		Label: "Print it",
		Edit: protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{
			d.URI: {{Range: out.Range, NewText: insert}},
		}},
	}
	var applied protocol.ApplyWorkspaceEditResponse
	if err := s.call(s.ctx, clientCallTimeout, protocol.MethodWorkspaceApplyEdit, &edit, &applied); err != nil {
		s.logger.Warn("Print it: the client did not apply the edit", zap.Error(err))
		s.showMessage(protocol.MessageTypeInfo, "Print it: %s", res.PrintString)
	} else if !applied.Applied {
		s.showMessage(protocol.MessageTypeInfo, "Print it: %s", res.PrintString)
	}
	out.Applied = applied.Applied
	return out, nil
}

// clientCallTimeout bounds a server->client request.
const clientCallTimeout = 10 * time.Second

func (s *server) doIt(ctx context.Context, d *document, a EvalArgs) (*bridge.EvaluateResult, error) {
	code, _, _, err := s.evalSource(d, a.Range)
	if err != nil {
		return nil, err
	}
	f := s.ws.folderOf(d.Path)
	var res *bridge.EvaluateResult
	err = s.evaluate(ctx, d, "Do it", code, func(ctx context.Context, sess *bridge.Session) error {
		var err error
		res, err = sess.Evaluate(ctx, bridge.EvaluateParams{Code: code, Mode: bridge.ModeDo}, f.Opts.budget())
		return err
	})
	if err != nil {
		return nil, err
	}
	msg := "Do it: " + res.PrintString
	if t := strings.TrimSpace(res.Transcript); t != "" {
		msg += "\nTranscript: " + t
	}
	s.showMessage(protocol.MessageTypeInfo, "%s", msg)
	return res, nil
}

func (s *server) inspectIt(ctx context.Context, d *document, a EvalArgs) (*bridge.InspectResult, error) {
	code, _, _, err := s.evalSource(d, a.Range)
	if err != nil {
		return nil, err
	}
	f := s.ws.folderOf(d.Path)
	var res *bridge.InspectResult
	err = s.evaluate(ctx, d, "Inspect it", code, func(ctx context.Context, sess *bridge.Session) error {
		var err error
		res, err = sess.Inspect(ctx, bridge.InspectParams{Expression: code, Count: f.Opts.Budget.Elements}, f.Opts.budget())
		return err
	})
	if err != nil {
		return nil, err
	}
	if !s.hasInspector() && s.canShowDocument() {
		s.showInspection(code, res)
	}
	return res, nil
}

// hasInspector says whether the client has its own inspector (a tree view paging with
// stui/inspect): it declares capabilities.experimental.stui.inspector = true.
func (s *server) hasInspector() bool {
	s.stateMu.Lock()
	exp := s.clientCaps.Experimental
	s.stateMu.Unlock()
	raw, _ := json.Marshal(exp)
	var e struct {
		STUI struct {
			Inspector bool `json:"inspector"`
		} `json:"stui"`
	}
	_ = json.Unmarshal(raw, &e)
	return e.STUI.Inspector
}

func (s *server) canShowDocument() bool {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	w := s.clientCaps.Window
	return w != nil && w.ShowDocument != nil && w.ShowDocument.Support
}

// showInspection writes the inspection as a readable text file and asks the client to
// open it (window/showDocument): this works in any client.
func (s *server) showInspection(code string, r *bridge.InspectResult) {
	var b strings.Builder
	fmt.Fprintf(&b, "Inspect it: %s\n\n%s: %s\n", firstLine(code), r.ClassName, r.PrintString)
	if len(r.NamedSlots) > 0 {
		b.WriteString("\nInstance variables:\n")
		for _, sl := range r.NamedSlots {
			fmt.Fprintf(&b, "  %s: %s (%s)\n", sl.Name, sl.PrintString, sl.ClassName)
		}
	}
	if r.IndexedSize > 0 {
		fmt.Fprintf(&b, "\nElements (%d):\n", r.IndexedSize)
		for _, sl := range r.IndexedSlots {
			fmt.Fprintf(&b, "  %d: %s (%s)\n", sl.Index, sl.PrintString, sl.ClassName)
		}
		if shown := r.Offset + len(r.IndexedSlots); shown < r.IndexedSize {
			fmt.Fprintf(&b, "  … %d more\n", r.IndexedSize-shown)
		}
	}
	name := fmt.Sprintf("inspect-%d.txt", s.inspections.Add(1))
	path, err := s.writeScratch(name, b.String())
	if err != nil {
		s.logger.Warn("Inspect it: cannot write the inspection", zap.Error(err))
		return
	}
	go func() {
		var res protocol.ShowDocumentResult
		err := s.call(s.ctx, clientCallTimeout, protocol.MethodShowDocument,
			&protocol.ShowDocumentParams{URI: protocol.URI(uri.File(path)), TakeFocus: true}, &res)
		if err != nil {
			s.logger.Warn("Inspect it: the client did not open the inspection", zap.Error(err))
		}
	}()
}

// scratchMu guards the creation of the scratch directory.
var scratchMu sync.Mutex

// writeScratch writes a read-only file under the server's scratch directory (inspections,
// method sources of the image) and answers its path. The directory is removed by close.
func (s *server) writeScratch(name, content string) (string, error) {
	scratchMu.Lock()
	defer scratchMu.Unlock()
	if s.scratch == "" {
		dir, err := os.MkdirTemp("", "stui-lsp-")
		if err != nil {
			return "", err
		}
		s.scratch = dir
	}
	path := filepath.Join(s.scratch, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	_ = os.Chmod(path, 0o644)
	if err := os.WriteFile(path, []byte(content), 0o444); err != nil {
		return "", err
	}
	return path, nil
}

func (s *server) removeScratch() {
	scratchMu.Lock()
	defer scratchMu.Unlock()
	if s.scratch != "" {
		_ = filepath.WalkDir(s.scratch, func(p string, _ os.DirEntry, _ error) error { return os.Chmod(p, 0o755) })
		_ = os.RemoveAll(s.scratch)
		s.scratch = ""
	}
}

func (s *server) interruptCmd(ctx context.Context, f folder) (*bridge.InterruptResult, error) {
	ctx, cancel := context.WithTimeout(ctx, f.Opts.requestDeadline())
	defer cancel()
	_, sess, err := s.live.session(ctx, f)
	if err != nil {
		return nil, liveError("Interrupt", err)
	}
	res, err := sess.Interrupt(ctx)
	if err != nil {
		return nil, liveError("Interrupt", err)
	}
	return res, nil
}

// RestartResult is what stui.restartSession answers.
type RestartResult struct {
	SessionID string `json:"sessionId"`
}

func (s *server) restartSession(ctx context.Context, f folder) (*RestartResult, error) {
	ctx, cancel := context.WithTimeout(ctx, f.Opts.requestDeadline())
	defer cancel()
	sess, err := s.live.restart(ctx, f)
	if err != nil {
		return nil, liveError("Restart session", err)
	}
	s.showMessage(protocol.MessageTypeInfo, "STUI: a new session was opened; the workspace variables of the old one are gone.")
	return &RestartResult{SessionID: sess.ID()}, nil
}

// inspectRequest is stui/inspect: it pages into an object by handle, or inspects an
// expression, in the session of the document's folder.
func (s *server) inspectRequest(ctx context.Context, p *InspectRequest) (*bridge.InspectResult, error) {
	if p.Handle == "" && p.Expression == "" {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "stui/inspect needs a handle or an expression")
	}
	path, _ := filePath(p.URI)
	f := s.ws.folderOf(path)
	if p.Count <= 0 {
		p.Count = f.Opts.Budget.Elements
	}
	ctx, cancel := context.WithTimeout(ctx, f.Opts.evaluateDeadline())
	defer cancel()
	_, sess, err := s.live.session(ctx, f)
	if err != nil {
		return nil, liveError("Inspect", err)
	}
	res, err := sess.Inspect(ctx, bridge.InspectParams{Handle: p.Handle, Expression: p.Expression, Offset: p.Offset, Count: p.Count}, f.Opts.budget())
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, protocol.ErrRequestCancelled
		}
		return nil, liveError("Inspect", err)
	}
	return res, nil
}

// progress tokens made by the server, and the cancel function of each.
var progressSeq atomic.Int64

// progressDelay is how long an evaluation runs before it reports progress: quick ones
// (most) cost the client nothing.
const progressDelay = 200 * time.Millisecond

// startProgress reports work through $/progress when the client supports it: begin once
// the work has run for progressDelay, end when the answer returned is called. The
// client's cancel button calls cancel.
func (s *server) startProgress(ctx context.Context, title, message string, cancel context.CancelFunc) (end func()) {
	s.stateMu.Lock()
	ok := s.clientCaps.Window != nil && s.clientCaps.Window.WorkDoneProgress
	s.stateMu.Unlock()
	if !ok {
		return func() {}
	}
	var mu sync.Mutex // guards token and ended, and orders begin before end
	token, ended := "", false
	t := time.AfterFunc(progressDelay, func() {
		tok := fmt.Sprintf("stui-%d", progressSeq.Add(1))
		if err := s.call(ctx, clientCallTimeout, protocol.MethodWorkDoneProgressCreate, map[string]any{"token": tok}, nil); err != nil {
			s.baseLog.Debug("progress not created", zap.Error(err))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if ended {
			return
		}
		token = tok
		s.progressMu.Lock()
		s.progress[tok] = cancel
		s.progressMu.Unlock()
		s.notify(protocol.MethodProgress, map[string]any{"token": tok, "value": map[string]any{
			"kind": "begin", "title": title, "message": message, "cancellable": true,
		}})
	})
	return func() {
		t.Stop()
		mu.Lock()
		defer mu.Unlock()
		ended = true
		if token == "" {
			return
		}
		s.progressMu.Lock()
		delete(s.progress, token)
		s.progressMu.Unlock()
		s.notify(protocol.MethodProgress, map[string]any{"token": token, "value": map[string]any{"kind": "end"}})
	}
}

// WorkDoneProgressCancel cancels the work of a progress the server started.
func (s *server) WorkDoneProgressCancel(ctx context.Context, params *protocol.WorkDoneProgressCancelParams) error {
	s.progressMu.Lock()
	cancel := s.progress[params.Token.String()]
	s.progressMu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil
}
