package lsptest

// The bridge's fault matrix, repeated through the stui-lsp binary. Each test names the
// line of the table in lsp/RELIABILITY.md that it checks. Where the image survives the
// fault, the test then checks that nothing was lost: the document's text (Print it
// evaluates exactly the document's statement), the folder's session (the same session
// id) and its workspace variables (hover shows their values).

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// faultSettings keeps the deadlines short, so that the tests of hung images are quick.
var faultSettings = map[string]any{"deadlines": map[string]any{"request": 1500, "evaluate": 1500, "hover": 300}}

// codeRequestFailed is LSP 3.17's RequestFailed, stui-lsp's answer to a failed request.
const codeRequestFailed = -32803

func errorCode(err error) jsonrpc2.Code {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// sessionOf answers the session id of folder f's latest evaluation seen by the image.
func (e *env) sessionOf(f Folder) string {
	id := ""
	for _, r := range e.img.Requests() {
		var p bridge.EvaluateParams
		if r.Command != bridge.Evaluate || json.Unmarshal(r.Parameters, &p) != nil {
			continue
		}
		for j := 1; j <= Vars; j++ {
			if p.Code == f.line(j) {
				id = r.SessionID
			}
		}
	}
	return id
}

// lastEval answers the code of the image's latest evaluate request.
func (e *env) lastEval(t testing.TB) string {
	t.Helper()
	reqs := e.img.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Command == bridge.Evaluate {
			var p bridge.EvaluateParams
			if err := json.Unmarshal(reqs[i].Parameters, &p); err != nil {
				t.Fatal(err)
			}
			return p.Code
		}
	}
	return ""
}

// intact checks that nothing of folder f was lost: Print it of every variable evaluates
// the document's text in the same session as before (id), and hover shows every value.
func (e *env) intact(t testing.TB, f Folder, id string) {
	t.Helper()
	ctx := testCtx(t)
	for j := 1; j <= Vars; j++ {
		if err := f.Do(ctx, e.c, OpHoverVariable, j); err != nil {
			t.Errorf("after the fault, the variable was lost: %v", err)
		}
	}
	if err := f.Do(ctx, e.c, OpPrintIt, 3); err != nil {
		t.Fatalf("Print it after the fault: %v", err)
	}
	if got, want := e.lastEval(t), f.line(3); got != want {
		t.Errorf("Print it after the fault evaluated %q, want the document's %q", got, want)
	}
	if got := e.sessionOf(f); got != id {
		t.Errorf("after the fault the folder's session is %q, want the same as before, %q", got, id)
	}
}

// recovered waits until stui-lsp reaches the image again after a fault that made it
// unavailable (from message index mark on).
func (e *env) recovered(t testing.TB, mark int) {
	t.Helper()
	if _, _, err := e.c.WaitFor(testCtx(t), mark, Status("connected")); err != nil {
		t.Fatalf("stui-lsp did not reconnect: %v", err)
	}
}

func TestFaultImageKilled(t *testing.T) {
	e := start(t, setup{folders: 2, settings: faultSettings})
	f := e.folders[0]
	ctx := testCtx(t)
	mark := e.c.Count()
	e.img.Kill()
	err := f.Do(ctx, e.c, OpPrintIt, 1)
	if errorCode(err) != codeRequestFailed || !strings.Contains(err.Error(), "Print it") {
		t.Fatalf("Print it with the image killed answered %v, want a RequestFailed error naming Print it", err)
	}
	if _, _, err := e.c.WaitFor(ctx, mark, ShowMessage("the Pharo image is unavailable")); err != nil {
		t.Fatalf("the user was not told that the image is unavailable: %v", err)
	}
	if _, _, err := e.c.WaitFor(ctx, mark, Status("disconnected")); err != nil {
		t.Fatal(err)
	}
	// Static features go on: completion of workspace variables and local hovers.
	if err := f.Do(ctx, e.c, OpCompletion, 2); err != nil {
		t.Errorf("completion with the image killed: %v", err)
	}
	// The image comes back (a new image: it has forgotten the sessions).
	mark = e.c.Count()
	e.img.Restart()
	e.recovered(t, mark)
	if _, _, err := e.c.WaitFor(ctx, mark, ShowMessage("answers again")); err != nil {
		t.Errorf("the user was not told that the image is back: %v", err)
	}
	if err := f.Do(ctx, e.c, OpPrintIt, 2); err != nil {
		t.Fatalf("Print it after the image came back: %v", err)
	}
	if got, want := e.lastEval(t), f.line(2); got != want {
		t.Errorf("Print it after the image came back evaluated %q, want the document's %q", got, want)
	}
	if _, _, err := e.c.WaitFor(ctx, mark, ShowMessage("Workspace variables lost: v1")); err != nil {
		t.Errorf("the user was not told which variables were lost with the image: %v", err)
	}
}

func TestFaultImageKilledMidRequest(t *testing.T) {
	e := start(t, setup{folders: 1, settings: map[string]any{"deadlines": map[string]any{"evaluate": 10000}}})
	f := e.folders[0]
	ctx := testCtx(t)
	if err := e.c.Open(ctx, FileURI(f.Dir+"/loop.st"), "[true] whileTrue."); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- e.c.Execute(ctx, "stui.doIt", map[string]any{"uri": FileURI(f.Dir + "/loop.st"), "range": protocol.Range{
			End: protocol.Position{Character: 16}}}, nil)
	}()
	if _, err := e.img.WaitRunning(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e.img.Kill()
	err := <-done
	if errorCode(err) != codeRequestFailed {
		t.Fatalf("the evaluation in flight when the image died answered %v, want RequestFailed", err)
	}
	t.Logf("the evaluation in flight failed %v after the image died: %v", time.Since(start).Round(time.Millisecond), err)
}

func TestFaultImageRestarted(t *testing.T) {
	e := start(t, setup{folders: 2, settings: faultSettings})
	f, other := e.folders[0], e.folders[1]
	ctx := testCtx(t)
	old := e.sessionOf(f)
	mark := e.c.Count()
	e.img.Restart() // between two requests: the connections close, the sessions are gone
	// Print it works at once: the session is re-created and the code run there.
	if err := f.Do(ctx, e.c, OpPrintIt, 4); err != nil {
		t.Fatalf("Print it after a restart of the image: %v", err)
	}
	if got, want := e.lastEval(t), f.line(4); got != want {
		t.Errorf("Print it evaluated %q, want the document's %q", got, want)
	}
	if id := e.sessionOf(f); id == old || id == "" {
		t.Errorf("the folder's session is %q after the restart, want a new one (was %q)", id, old)
	}
	if _, _, err := e.c.WaitFor(ctx, mark, ShowMessage("Workspace variables lost: v1, v2")); err != nil {
		t.Errorf("the user was not told which variables were lost: %v", err)
	}
	// The other folder is told as well, and works.
	if err := other.Do(ctx, e.c, OpPrintIt, 1); err != nil {
		t.Fatalf("Print it in the other folder after the restart: %v", err)
	}
}

func TestFaultImageHung(t *testing.T) {
	e := start(t, setup{folders: 2, settings: faultSettings})
	f := e.folders[0]
	id := e.sessionOf(f)
	ctx := testCtx(t)
	e.img.SetFault(bridgetest.Hang)
	// Hover answers within its deadline (300 ms), without the image's part.
	start := time.Now()
	h, err := e.c.Hover(ctx, f.URI, protocol.Position{Line: Vars, Character: 3})
	if err != nil {
		t.Fatalf("hover with the image hung: %v", err)
	}
	t.Logf("hover with the image hung answered %v in %v", h, time.Since(start).Round(time.Millisecond))
	// Print it fails at its deadline (1.5 s), saying so.
	err = f.Do(ctx, e.c, OpPrintIt, 1)
	if errorCode(err) != codeRequestFailed || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("Print it with the image hung answered %v, want RequestFailed saying there was no answer", err)
	}
	e.img.SetFault(bridgetest.NoFault)
	e.intact(t, f, id)
}

func TestFaultImageFrozenBeforeGreeting(t *testing.T) {
	e := start(t, setup{folders: 1, settings: faultSettings})
	f := e.folders[0]
	ctx := testCtx(t)
	mark := e.c.Count()
	e.img.SetFault(bridgetest.NoGreeting)
	e.img.Restart() // every new connection now stalls in the ZMTP greeting
	err := f.Do(ctx, e.c, OpPrintIt, 1)
	if errorCode(err) != codeRequestFailed {
		t.Fatalf("Print it with a frozen image answered %v, want RequestFailed", err)
	}
	t.Logf("Print it with a frozen image: %v", err)
	e.img.SetFault(bridgetest.NoFault)
	e.recovered(t, mark)
	if err := f.Do(ctx, e.c, OpPrintIt, 1); err != nil {
		t.Fatalf("Print it after the image thawed: %v", err)
	}
}

// testBadAnswers runs a fault in which the image answers, but wrongly: requests fail
// with a message, and once the fault is gone the session and variables are all there.
func testBadAnswers(t *testing.T, fault bridgetest.Fault, want string, imgOpts ...bridgetest.Option) {
	e := start(t, setup{folders: 2, settings: faultSettings, imgOpts: imgOpts})
	f := e.folders[0]
	id := e.sessionOf(f)
	ctx := testCtx(t)
	mark := e.c.Count()
	e.img.SetFault(fault)
	err := f.Do(ctx, e.c, OpPrintIt, 1)
	if errorCode(err) != codeRequestFailed || !strings.Contains(err.Error(), want) {
		t.Fatalf("Print it answered %v, want RequestFailed saying %q", err, want)
	}
	t.Logf("Print it with the fault %v: %v", fault, err)
	h, err := e.c.Hover(ctx, f.URI, protocol.Position{Line: Vars, Character: 3})
	if err != nil {
		t.Errorf("hover with the fault %v: %v", fault, err)
	}
	t.Logf("hover with the fault %v: %v", fault, h)
	e.img.SetFault(bridgetest.NoFault)
	// Wait until stui-lsp sees the image again, if it had marked it unavailable.
	for _, m := range e.c.Received(mark) {
		if Status("disconnected")(m) {
			e.recovered(t, mark)
			break
		}
	}
	e.intact(t, f, id)
}

func TestFaultImageAnswersGarbage(t *testing.T) {
	testBadAnswers(t, bridgetest.Garbage, "not a STUI response")
}

func TestFaultImageAnswersWrongID(t *testing.T) {
	testBadAnswers(t, bridgetest.WrongID, "with id")
}

func TestFaultImageAnswersOversize(t *testing.T) {
	testBadAnswers(t, bridgetest.Oversize, "over the cap")
}

func TestFaultImageSlow(t *testing.T) {
	e := start(t, setup{folders: 2, settings: faultSettings})
	f := e.folders[0]
	id := e.sessionOf(f)
	ctx := testCtx(t)
	// Slower than the hover deadline (300 ms), faster than the others (1.5 s).
	e.img.SetDelay(500 * time.Millisecond)
	start := time.Now()
	if _, err := e.c.Hover(ctx, f.URI, protocol.Position{Line: Vars, Character: 3}); err != nil {
		t.Fatalf("hover on a slow image: %v", err)
	}
	t.Logf("hover on a slow image answered in %v", time.Since(start).Round(time.Millisecond))
	if err := f.Do(ctx, e.c, OpPrintIt, 5); err != nil {
		t.Fatalf("Print it on a slow image: %v", err)
	}
	if err := f.Do(ctx, e.c, OpInspect, 0); err != nil {
		t.Fatalf("Inspect on a slow image: %v", err)
	}
	e.img.SetDelay(0)
	e.intact(t, f, id)
}
