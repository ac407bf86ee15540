package lsp

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

const playground = "x := OrderedCollection new.\n[true] whileTrue.\n3 + 4.\n"

// evalArgs answers the arguments of an evaluation command on the text matched by sel.
func evalArgs(t testing.TB, u protocol.DocumentURI, text, sel string) []any {
	start := positionOf(t, text, sel)
	end := positionOf(t, text, sel+"|")
	return []any{EvalArgs{URI: u, Range: protocol.Range{Start: start, End: end}}}
}

func waitImage(t testing.TB, img *bridgetest.Server, cmd bridge.Command) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := img.WaitFor(ctx, func(r bridge.Request) bool { return r.Command == cmd }); err != nil {
		t.Fatalf("the fake image did not receive %s: %v", cmd, err)
	}
}

func TestSlowEvaluationDoesNotDelayHover(t *testing.T) {
	c, img := withImage(t, testOptions{})
	u := c.open("play.st", playground)
	// Do it on [true] whileTrue: the fake image runs it until interrupted.
	_, evalDone := c.async("workspace/executeCommand", &protocol.ExecuteCommandParams{
		Command: string(CmdDoIt), Arguments: evalArgs(t, u, playground, "[true] whileTrue"),
	}, nil)
	waitImage(t, img, bridge.Evaluate)

	var h protocol.Hover
	c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: positionOf(t, playground, "Ordered|Collection"),
	}}, &h)
	if !strings.Contains(h.Contents.Value, "**") {
		t.Errorf("hover answered %q, want a class description", h.Contents.Value)
	}
	select {
	case err := <-evalDone:
		t.Fatalf("the evaluation answered (%v) before the hover: the hover waited for it", err)
	default:
	}
	// Hover on a workspace variable during the evaluation reads it with get_variable,
	// without evaluating anything and without waiting for the session.
	c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: positionOf(t, playground, "|x := "),
	}}, &h)
	if !strings.Contains(h.Contents.Value, "workspace variable") {
		t.Errorf("hover on x answered %q", h.Contents.Value)
	}
	evaluates := 0
	for _, r := range img.Requests() {
		if r.Command == bridge.Evaluate {
			evaluates++
		}
	}
	if evaluates != 1 {
		t.Errorf("the image received %d evaluate requests, want 1 (hover never evaluates)", evaluates)
	}
	select {
	case err := <-evalDone:
		t.Fatalf("the evaluation answered (%v) before the hovers", err)
	default:
	}
	// stui.interrupt stops it; the evaluation then answers Interrupted.
	var ir bridge.InterruptResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdInterrupt), Arguments: []any{EvalArgs{URI: u}}}, &ir)
	if !ir.Interrupted {
		t.Errorf("stui.interrupt answered %+v, want interrupted", ir)
	}
	if err := <-evalDone; err == nil || !strings.Contains(err.Error(), "Interrupted") {
		t.Errorf("the interrupted evaluation answered %v, want an Interrupted error", err)
	}
}

func TestCancelledEvaluationSendsInterrupt(t *testing.T) {
	c, img := withImage(t, testOptions{caps: protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}})
	u := c.open("play.st", playground)
	id, evalDone := c.async("workspace/executeCommand", &protocol.ExecuteCommandParams{
		Command: string(CmdDoIt), Arguments: evalArgs(t, u, playground, "[true] whileTrue"),
	}, nil)
	waitImage(t, img, bridge.Evaluate)
	// A long evaluation reports progress.
	c.waitFor(0, func(r received) bool {
		return r.Method == "$/progress" && strings.Contains(string(r.Params), `"begin"`)
	})
	c.cancel(id) // a numeric id, as VS Code sends
	err := <-evalDone
	if errorCode(err) != protocol.CodeRequestCancelled {
		t.Fatalf("the cancelled evaluation answered %v, want RequestCancelled (-32800)", err)
	}
	waitImage(t, img, bridge.Interrupt)
	c.waitFor(0, func(r received) bool { return r.Method == "$/progress" && strings.Contains(string(r.Params), `"end"`) })
}

func TestProgressCancelSendsInterrupt(t *testing.T) {
	c, img := withImage(t, testOptions{caps: protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}})
	u := c.open("play.st", playground)
	_, evalDone := c.async("workspace/executeCommand", &protocol.ExecuteCommandParams{
		Command: string(CmdDoIt), Arguments: evalArgs(t, u, playground, "[true] whileTrue"),
	}, nil)
	r, _ := c.waitFor(0, func(r received) bool {
		return r.Method == "$/progress" && strings.Contains(string(r.Params), `"begin"`)
	})
	var p struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(r.Params, &p)
	c.notify("window/workDoneProgress/cancel", map[string]any{"token": p.Token})
	waitImage(t, img, bridge.Interrupt)
	if err := <-evalDone; errorCode(err) != protocol.CodeRequestCancelled {
		t.Fatalf("the evaluation cancelled from its progress answered %v, want RequestCancelled", err)
	}
}

func TestImageKilledMidRequestThenBack(t *testing.T) {
	c, img := withImage(t, testOptions{})
	u := c.open("play.st", playground)
	_, evalDone := c.async("workspace/executeCommand", &protocol.ExecuteCommandParams{
		Command: string(CmdDoIt), Arguments: evalArgs(t, u, playground, "[true] whileTrue"),
	}, nil)
	waitImage(t, img, bridge.Evaluate)
	mark := c.count()
	img.Kill()
	err := <-evalDone
	if err == nil || errorCode(err) != codeRequestFailed {
		t.Fatalf("the request in flight when the image died answered %v, want a RequestFailed error", err)
	}
	_, i := c.waitFor(mark, status("disconnected"))
	img.Restart()
	c.waitFor(i, status("connected"))
	// The next requests succeed: a hover, and a Print it (in a new session: the fake
	// image forgot the old one, and the user is told).
	var h protocol.Hover
	c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: positionOf(t, playground, "Ordered|Collection"),
	}}, &h)
	if h.Contents.Value == "" {
		t.Error("hover after the image came back answered nothing")
	}
	var pr PrintItResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, playground, "3 + 4")}, &pr)
	if pr.PrintString == "" {
		t.Errorf("Print it after the image came back answered %+v", pr)
	}
	c.waitFor(i, func(r received) bool {
		return r.Method == "window/showMessage" && strings.Contains(string(r.Params), "lost")
	})
}

// A call sent before the image died may answer after the outage was recorded: its
// success must not mark the dead image connected (regression: the status flickered to
// "connected" and the next request was answered with a stale failure). And an image that
// dies just after it was found connected is watched until it is back (regression: the
// first pinger still counted as running then, so none was started, and the image was
// never seen again).
func TestLateSuccessDoesNotMarkDeadImageConnected(t *testing.T) {
	c, img := withImage(t, testOptions{})
	conn, err := c.srv.live.conn(c.srv.ws.folderOf(""))
	if err != nil {
		t.Fatal(err)
	}
	before, err := conn.available()
	if err != nil {
		t.Fatalf("the image is connected, yet available() answered %v", err)
	}
	mark := c.count()
	img.Kill()
	conn.observe(before, &bridge.Error{Type: bridge.Unavailable, Message: "connection refused"})
	_, i := c.waitFor(mark, status("disconnected"))
	conn.observe(before, nil) // the late success of a call sent before the outage
	if _, err := conn.available(); err == nil {
		t.Fatal("a success sent before the outage marked the dead image connected")
	}
	img.Restart()
	c.waitFor(i, status("connected"))
	if _, err := conn.available(); err != nil {
		t.Fatalf("after the image came back, available() answered %v", err)
	}
}

func TestUnavailableImageIsToldOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "tcp://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	c := startServer(t, testOptions{initOpts: map[string]any{"endpoint": endpoint}})
	u := c.open("play.st", playground)
	c.waitFor(0, status("disconnected"))
	told := func(r received) bool {
		return r.Method == "window/showMessage" && strings.Contains(string(r.Params), "unavailable")
	}
	c.waitFor(0, told) // the first probe found it down
	for range 3 {
		err := c.try("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, playground, "3 + 4")}, nil)
		if errorCode(err) != codeRequestFailed || !strings.Contains(err.Error(), "unavailable") {
			t.Fatalf("Print it without an image answered %v, want a RequestFailed saying the image is unavailable", err)
		}
	}
	// Static features work.
	var syms []protocol.DocumentSymbol
	c.call("textDocument/documentSymbol", &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &syms)
	if len(syms) == 0 {
		t.Error("document symbols without an image: none")
	}
	// What the requests' handlers sent came before their replies: it is all here.
	warnings := 0
	for _, r := range c.all("window/showMessage") {
		if told(r) {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("the user was told %d times that the image is unavailable, want once:\n%s", warnings, c.dump())
	}
}

// fakeVM is a Launcher whose images are a bridgetest server: Launch (re)starts it, and
// kill makes the running image exit as a crashed VM would.
type fakeVM struct {
	img *bridgetest.Server

	mu       sync.Mutex // guards the fields below
	launches int
	specs    []ImageSpec
	running  *fakeImage
	launched chan struct{} // closed and replaced at each launch
}

type fakeImage struct {
	vm   *fakeVM
	done chan struct{}
	once sync.Once
}

func (f *fakeImage) Done() <-chan struct{} { return f.done }

func (f *fakeImage) Stop(ctx context.Context) error {
	f.once.Do(func() { f.vm.img.Kill(); close(f.done) })
	return nil
}

func (v *fakeVM) Launch(ctx context.Context, spec ImageSpec) (Image, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.launches > 0 {
		v.img.Restart()
	}
	v.launches++
	v.specs = append(v.specs, spec)
	v.running = &fakeImage{vm: v, done: make(chan struct{})}
	close(v.launched)
	v.launched = make(chan struct{})
	return v.running, nil
}

// kill makes the running image die.
func (v *fakeVM) kill() {
	v.mu.Lock()
	img := v.running
	v.mu.Unlock()
	_ = img.Stop(context.Background())
}

func TestSupervisorRestartsKilledImage(t *testing.T) {
	img := bridgetest.NewServer(t)
	vm := &fakeVM{img: img, launched: make(chan struct{})}
	t.Setenv("STUI_TOKEN", img.Token())
	c := startServer(t, testOptions{
		cfg:      Config{Launcher: vm},
		initOpts: map[string]any{"endpoint": img.Endpoint(), "image": map[string]any{"path": "/images/Pharo.image", "vm": "/usr/bin/pharo"}},
	})
	c.waitFor(0, status("connected"))
	u := c.open("play.st", playground)
	// Define a workspace variable, to be lost with the image.
	v := c.open("var.st", "y := 42.")
	var pr PrintItResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, v, "y := 42.", "y := 42")}, &pr)
	mark := c.count()
	vm.kill()
	_, i := c.waitFor(mark, status("disconnected"))
	c.waitFor(i, status("connected"))
	// The sessions are re-created at once, and the user told which variables were lost.
	c.waitFor(mark, func(r received) bool {
		return r.Method == "window/showMessage" && strings.Contains(string(r.Params), "variables lost: y")
	})
	vm.mu.Lock()
	launches, spec := vm.launches, vm.specs[0]
	vm.mu.Unlock()
	if launches != 2 {
		t.Errorf("the image was launched %d times, want 2 (start, restart)", launches)
	}
	if spec.Path != "/images/Pharo.image" || spec.VM != "/usr/bin/pharo" || spec.Endpoint != img.Endpoint() || spec.Token != img.Token() {
		t.Errorf("launched %+v, want the configured image, VM, endpoint and token", spec)
	}
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, playground, "3 + 4")}, &pr)
}

func TestInspectRequestPagesIntoHandles(t *testing.T) {
	c, img := withImage(t, testOptions{caps: protocol.ClientCapabilities{Experimental: map[string]any{"stui": map[string]any{"inspector": true}}}})
	u := c.open("play.st", playground)
	var res bridge.InspectResult
	c.call(MethodInspect, &InspectRequest{URI: u, Expression: "3 + 4", Count: 2}, &res)
	if len(res.NamedSlots) == 0 || res.NamedSlots[0].Handle == "" {
		t.Fatalf("stui/inspect of an expression answered %+v, want slots with handles", res)
	}
	var slot bridge.InspectResult
	c.call(MethodInspect, &InspectRequest{URI: u, Handle: res.NamedSlots[0].Handle, Offset: 1, Count: 2}, &slot)
	var sent []bridge.InspectParams
	for _, r := range img.Requests() {
		if r.Command == bridge.Inspect {
			var p bridge.InspectParams
			_ = json.Unmarshal(r.Parameters, &p)
			sent = append(sent, p)
		}
	}
	if len(sent) != 2 || sent[0].Expression != "3 + 4" || sent[0].Count != 2 || sent[1].Handle != res.NamedSlots[0].Handle || sent[1].Offset != 1 {
		t.Errorf("the image received %+v", sent)
	}
	if err := c.try(MethodInspect, &InspectRequest{URI: u}, nil); errorCode(err) != jsonrpc2.InvalidParams {
		t.Errorf("stui/inspect without handle or expression: got %v, want InvalidParams", err)
	}
	// A client with its own inspector gets no document from Inspect it.
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdInspect), Arguments: evalArgs(t, u, playground, "3 + 4")}, &res)
	if n := len(c.all("window/showDocument")); n != 0 {
		t.Errorf("Inspect it sent %d showDocument to a client with an inspector", n)
	}
}

// TestSettingsPushedWithDidChangeConfiguration is the path of clients that do not answer
// workspace/configuration (settings pushed, as Neovim's settings table can be).
func TestSettingsPushedWithDidChangeConfiguration(t *testing.T) {
	img := bridgetest.NewServer(t)
	t.Setenv("STUI_TOKEN", img.Token())
	c := startServer(t, testOptions{initOpts: map[string]any{"endpoint": "tcp://127.0.0.1:1"}})
	_, i := c.waitFor(0, status("disconnected"))
	c.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"stui": map[string]any{"endpoint": img.Endpoint()}}})
	c.waitFor(i, status("connected"))
	u := c.open("play.st", playground)
	var pr PrintItResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, playground, "3 + 4")}, &pr)
	if pr.PrintString != "7" {
		t.Errorf("Print it after the settings changed answered %+v", pr)
	}
}

func TestInvalidCommandArguments(t *testing.T) {
	c := startServer(t, testOptions{})
	for _, args := range [][]any{nil, {"not an object"}, {map[string]any{"uri": "file:///not/open.st"}}} {
		err := c.try("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: args}, nil)
		if errorCode(err) != jsonrpc2.InvalidParams {
			t.Errorf("stui.printIt %v: got %v, want InvalidParams", args, err)
		}
	}
	if err := c.try("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: "stui.nope"}, nil); errorCode(err) != jsonrpc2.InvalidParams {
		t.Errorf("unknown command: got %v", err)
	}
}

func TestSessionCommandsTakeAFolder(t *testing.T) {
	c, img := withImage(t, testOptions{})
	u := c.open("play.st", playground)
	var pr PrintItResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, playground, "3 + 4")}, &pr)
	folderPath := c.srv.ws.list()[0].Path
	var ir bridge.InterruptResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdInterrupt), Arguments: []any{map[string]any{"folder": folderPath}}}, &ir)
	if ir.Interrupted {
		t.Errorf("interrupt with nothing running answered %+v", ir)
	}
	var sessionOfInterrupt string
	for _, r := range img.Requests() {
		if r.Command == bridge.Interrupt {
			sessionOfInterrupt = r.SessionID
		}
	}
	var rr RestartResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdRestartSession), Arguments: []any{map[string]any{"folder": folderPath}}}, &rr)
	for _, r := range img.Requests() {
		if r.Command == bridge.CloseSession && r.SessionID != sessionOfInterrupt {
			t.Errorf("restart by folder closed session %s, want the folder's %s", r.SessionID, sessionOfInterrupt)
		}
	}
	if sessionOfInterrupt == "" || rr.SessionID == "" || rr.SessionID == sessionOfInterrupt {
		t.Errorf("interrupt went to %q, restart answered %q", sessionOfInterrupt, rr.SessionID)
	}
}
