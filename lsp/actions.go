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

// PrintItResult is what stui.printIt answers (see command.go).
type PrintItResult struct {
	bridge.EvaluateResult
	// Inserted is the text inserted after the evaluated code: " " and the print string.
	Inserted string `json:"inserted"`
	// Range is the empty range of the insertion point: the end of the evaluated code, in
	// the version of the document that was evaluated.
	Range protocol.Range `json:"range"`
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

// evalSource answers the code to evaluate for r: the selection, or the statement at the
// cursor when the selection is empty, with where it is in d.
func (s *server) evalSource(d *document, r protocol.Range) (evalSpan, error) {
	start, end, _ := d.Mapper.Offsets(toRange(r))
	if start > end {
		start, end = end, start
	}
	if start == end {
		var ok bool
		start, end, ok = s.statementAt(d, start)
		if !ok {
			return evalSpan{}, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "STUI: there is no statement at the cursor to evaluate; select the code")
		}
	}
	code := string(d.Text()[start:end])
	if strings.TrimSpace(code) == "" {
		return evalSpan{}, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "STUI: nothing to evaluate: the selection is empty")
	}
	return evalSpan{d: d, code: code, start: start, end: end}, nil
}

// evaluate runs the code of sp in the session of its document's folder. While it runs
// the client sees $/progress (when it supports it) and stui/status "evaluating";
// cancelling the request or the progress sends interrupt to the image. A failure is
// answered with evalError's data.
func (s *server) evaluate(ctx context.Context, sp evalSpan, title string, run func(context.Context, *bridge.Session) error) error {
	f := s.ws.folderOf(sp.d.Path)
	sctx, cancel := context.WithTimeout(ctx, f.Opts.requestDeadline())
	c, sess, err := s.live.session(sctx, f)
	cancel()
	if err != nil {
		return evalError(title, sp, err)
	}
	gen, err := c.available()
	if err != nil {
		return evalError(title, sp, err)
	}
	ctx, cancelEval := context.WithCancel(ctx)
	defer cancelEval()
	end := s.startProgress(ctx, title, firstLine(sp.code), cancelEval)
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
	if s.cfg.beforeEvaluate != nil {
		s.cfg.beforeEvaluate(ectx)
	}
	err = run(ectx, sess)
	if e := bridge.ErrorOf(err); e != nil && (e.Type == bridge.SessionNotFound || e.Type == bridge.SessionExpired) && ectx.Err() == nil {
		// The image had lost the session, so the code did not run; the registry opened a
		// new session (and told the user what was lost): run it there.
		err = run(ectx, sess)
	}
	if !stop() {
		<-interrupted // the interrupt was sent (or failed) before the answer
	}
	c.observe(gen, err)
	if err != nil {
		if ctx.Err() != nil {
			return protocol.ErrRequestCancelled
		}
		return evalError(title, sp, err)
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
	sp, err := s.evalSource(d, a.Range)
	if err != nil {
		return nil, err
	}
	f := s.ws.folderOf(d.Path)
	var res *bridge.EvaluateResult
	err = s.evaluate(ctx, sp, "Print it", func(ctx context.Context, sess *bridge.Session) error {
		var err error
		res, err = sess.Evaluate(ctx, bridge.EvaluateParams{Code: sp.code, Mode: bridge.ModePrint}, f.Opts.budget())
		return err
	})
	if err != nil {
		return nil, err
	}
	// Pharo's habit: the print string goes right after the code, preceded by a space.
	insert := " " + res.PrintString
	p, _ := d.Mapper.Point(sp.end)
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
	sp, err := s.evalSource(d, a.Range)
	if err != nil {
		return nil, err
	}
	f := s.ws.folderOf(d.Path)
	var res *bridge.EvaluateResult
	err = s.evaluate(ctx, sp, "Do it", func(ctx context.Context, sess *bridge.Session) error {
		var err error
		res, err = sess.Evaluate(ctx, bridge.EvaluateParams{Code: sp.code, Mode: bridge.ModeDo}, f.Opts.budget())
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
	sp, err := s.evalSource(d, a.Range)
	if err != nil {
		return nil, err
	}
	f := s.ws.folderOf(d.Path)
	var res *bridge.InspectResult
	err = s.evaluate(ctx, sp, "Inspect it", func(ctx context.Context, sess *bridge.Session) error {
		var err error
		res, err = sess.Inspect(ctx, bridge.InspectParams{Expression: sp.code, Count: f.Opts.Budget.Elements}, f.Opts.budget())
		return err
	})
	if err != nil {
		return nil, err
	}
	if !s.hasInspector() && s.canShowDocument() {
		s.showInspection(sp.code, res)
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

// evalRun is an evaluation command the server has read and not yet answered.
type evalRun struct {
	id   jsonrpc2.ID
	done chan struct{} // closed once the command is answered
}

// announceEvaluation records an evaluation command (stui.printIt, stui.doIt,
// stui.inspect) as in flight in its folder, from the moment the read loop reads it: a
// stui.interrupt read after it finds it, even before the image has it. It answers the
// function that ends the record; call it once the command is answered.
func (s *server) announceEvaluation(call *jsonrpc2.Call) (answered func()) {
	if call.Method() != protocol.MethodWorkspaceExecuteCommand {
		return func() {}
	}
	var p struct {
		Command   Command           `json:"command"`
		Arguments []json.RawMessage `json:"arguments"`
	}
	if json.Unmarshal(call.Params(), &p) != nil || len(p.Arguments) == 0 {
		return func() {}
	}
	switch p.Command {
	case CmdPrintIt, CmdDoIt, CmdInspect:
	default:
		return func() {}
	}
	var a EvalArgs
	if json.Unmarshal(p.Arguments[0], &a) != nil {
		return func() {}
	}
	path, _ := filePath(a.URI)
	key := s.ws.folderOf(path).Path
	run := &evalRun{id: call.ID(), done: make(chan struct{})}
	s.evalMu.Lock()
	if s.evals[key] == nil {
		s.evals[key] = map[*evalRun]bool{}
	}
	s.evals[key][run] = true
	s.evalMu.Unlock()
	return func() {
		s.evalMu.Lock()
		delete(s.evals[key], run)
		if len(s.evals[key]) == 0 {
			delete(s.evals, key)
		}
		s.evalMu.Unlock()
		close(run.done)
	}
}

// evaluationsOf answers the evaluation commands of a folder that are in flight now.
func (s *server) evaluationsOf(folderPath string) []*evalRun {
	s.evalMu.Lock()
	defer s.evalMu.Unlock()
	out := make([]*evalRun, 0, len(s.evals[folderPath]))
	for r := range s.evals[folderPath] {
		out = append(out, r)
	}
	return out
}

// firstRunning answers a run of runs that is not answered yet, or nil.
func firstRunning(runs []*evalRun) *evalRun {
	for _, r := range runs {
		select {
		case <-r.done:
		default:
			return r
		}
	}
	return nil
}

// Retries of stui.interrupt while the image has not started the evaluation yet.
const (
	interruptRetryFirst = 5 * time.Millisecond
	interruptRetryMax   = 200 * time.Millisecond
)

// interruptCmd is stui.interrupt. The evaluation commands of the folder that the server
// read before it may not have reached the image yet (the image then answers
// interrupted: false): it sends interrupt again, with back-off, until the image stops
// one, or they are answered, within deadlines.request. Past that it cancels them: they
// answer RequestCancelled and send interrupt themselves.
func (s *server) interruptCmd(ctx context.Context, f folder) (*bridge.InterruptResult, error) {
	runs := s.evaluationsOf(f.Path)
	sctx, cancel := context.WithTimeout(ctx, f.Opts.requestDeadline())
	_, sess, err := s.live.session(sctx, f)
	cancel()
	if err != nil {
		return nil, liveError("Interrupt", err)
	}
	giveUp := time.NewTimer(f.Opts.requestDeadline())
	defer giveUp.Stop()
	wait := interruptRetryFirst
	for {
		ictx, cancel := context.WithTimeout(ctx, f.Opts.requestDeadline())
		res, err := sess.Interrupt(ictx)
		cancel()
		if err != nil {
			return nil, liveError("Interrupt", err)
		}
		if res.Interrupted {
			return res, nil
		}
		retry := time.NewTimer(wait)
		for waiting := true; waiting; {
			next := firstRunning(runs)
			if next == nil {
				retry.Stop()
				return res, nil // answered before the image had them: nothing runs
			}
			select {
			case <-retry.C:
				waiting = false
			case <-next.done:
			case <-giveUp.C:
				retry.Stop()
				s.logger.Warn("stui.interrupt: the image did not start the evaluation in time; cancelling it", zap.String("folder", f.Path))
				s.cancelRuns(runs)
				return res, nil
			case <-ctx.Done():
				retry.Stop()
				return nil, protocol.ErrRequestCancelled
			}
		}
		wait = min(wait*2, interruptRetryMax)
	}
}

// cancelRuns cancels the requests of runs still in flight.
func (s *server) cancelRuns(runs []*evalRun) {
	for _, r := range runs {
		s.reqMu.Lock()
		cancel := s.requests[r.id]
		s.reqMu.Unlock()
		if cancel != nil {
			cancel()
		}
	}
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
