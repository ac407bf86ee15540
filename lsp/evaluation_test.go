package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// errorData answers the EvalErrorData of a failed evaluation's reply.
func errorData(t testing.TB, err error) EvalErrorData {
	t.Helper()
	var w *jsonrpc2.Error
	if !errors.As(err, &w) {
		t.Fatalf("the evaluation answered %v, want a JSON-RPC error", err)
	}
	if w.Data == nil {
		t.Fatalf("the error %q (code %d) has no data", w.Message, w.Code)
	}
	var d EvalErrorData
	if err := json.Unmarshal(*w.Data, &d); err != nil {
		t.Fatalf("the error's data %s: %v", *w.Data, err)
	}
	return d
}

// rangeOf answers the range of the first match of sel in text.
func rangeOf(t testing.TB, text, sel string) protocol.Range {
	return protocol.Range{Start: positionOf(t, text, "|"+sel), End: positionOf(t, text, sel+"|")}
}

// at answers the empty range at the pattern's "|".
func at(t testing.TB, text, pattern string) protocol.Range {
	p := positionOf(t, text, pattern)
	return protocol.Range{Start: p, End: p}
}

func TestSyntaxErrorRange(t *testing.T) {
	for _, tc := range []struct {
		name, text, code string
		offset           int      // characters into code
		want             []string // the pattern of the start and of the end, with "|"
	}{
		{"past the end", "x := 1.\n3 +\n", "3 +", 3, []string{"3 +|", "3 +|"}},
		{"an operator", "3 + + 4", "3 + + 4", 4, []string{"3 + |+", "3 + +| 4"}},
		{"an identifier", "x := 1.\n3 foo: bar", "3 foo: bar", 2, []string{"3 |foo", "3 foo|:"}},
		{"at a line end", "3 +\n4", "3 +\n4", 3, []string{"3 +|", "3 +|"}},
		{"past an accented word", "'é' , 3 +", "'é' , 3 +", 6, []string{"|3 +", "3| +"}},
		{"past Greek", "'Ελλάδα' foo: bar", "'Ελλάδα' foo: bar", 14, []string{"|bar", "bar|"}},
		{"an emoji", "x := '😀' 😀 y", "'😀' 😀 y", 4, []string{"' |😀 y", "' 😀| y"}},
		{"past an emoji, inside the document", "'😀😀'.\n'😀' , 😀 foo bar", "'😀' , 😀 foo bar", 8, []string{"😀 |foo", "😀 foo| bar"}},
		{"offset past the code", "x := 1.\n3 +", "3 +", 40, []string{"3 +|", "3 +|"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDocument("file:///x.st", 1, []byte(tc.text))
			start := strings.LastIndex(tc.text, tc.code)
			sp := evalSpan{d: d, code: tc.code, start: start, end: start + len(tc.code)}
			got := sp.syntaxRange(tc.offset)
			want := protocol.Range{Start: positionOf(t, tc.text, tc.want[0]), End: positionOf(t, tc.text, tc.want[1])}
			if got != want {
				t.Errorf("offset %d of %q: got %v, want %v", tc.offset, tc.code, got, want)
			}
		})
	}
}

func TestEvaluationErrorData(t *testing.T) {
	c, _ := withImage(t, testOptions{initOpts: map[string]any{"deadlines": map[string]any{"evaluate": 1500}}})
	const text = "x := 1.\n1/0.\n(Delay forSeconds: 60) wait.\n3 +\n"
	u := c.open("errors.st", text)
	for _, tc := range []struct {
		cmd             Command
		code            string
		typ             bridge.ErrorType
		message         string
		rng             protocol.Range
		stack           string // class_name of the innermost frame; "" for none
		exceptionClass  string
		emptySelection  bool // evaluate the statement at the cursor
		cursorInPattern string
	}{
		{cmd: CmdPrintIt, code: "3 +", typ: bridge.SyntaxError, message: "Variable or expression expected", rng: at(t, text, "3 +|")},
		{cmd: CmdDoIt, code: "1/0", typ: bridge.EvaluationError, message: "ZeroDivide", rng: rangeOf(t, text, "1/0"), stack: "SmallInteger", exceptionClass: "ZeroDivide"},
		{cmd: CmdPrintIt, code: "1/0", typ: bridge.EvaluationError, message: "ZeroDivide", rng: rangeOf(t, text, "1/0"), stack: "SmallInteger", exceptionClass: "ZeroDivide",
			emptySelection: true, cursorInPattern: "1/|0"},
		{cmd: CmdDoIt, code: "(Delay forSeconds: 60) wait", typ: bridge.Timeout, rng: rangeOf(t, text, "(Delay forSeconds: 60) wait"), stack: "Delay"},
	} {
		t.Run(string(tc.cmd)+" "+tc.code, func(t *testing.T) {
			args := evalArgs(t, u, text, tc.code)
			if tc.emptySelection {
				p := positionOf(t, text, tc.cursorInPattern)
				args = []any{EvalArgs{URI: u, Range: protocol.Range{Start: p, End: p}}}
			}
			err := c.try("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(tc.cmd), Arguments: args}, nil)
			if errorCode(err) != codeRequestFailed || !strings.Contains(err.Error(), string(tc.typ)) {
				t.Fatalf("got %v, want a RequestFailed error naming %s", err, tc.typ)
			}
			d := errorData(t, err)
			if d.Type != tc.typ || (tc.message != "" && d.Message != tc.message) || d.Range != tc.rng || d.ExceptionClass != tc.exceptionClass {
				t.Errorf("data %+v, want type %s, message %q, range %v, exceptionClass %q", d, tc.typ, tc.message, tc.rng, tc.exceptionClass)
			}
			switch {
			case tc.stack == "" && len(d.Stack) != 0:
				t.Errorf("stack %+v, want none", d.Stack)
			case tc.stack != "" && (len(d.Stack) == 0 || d.Stack[0].ClassName != tc.stack):
				t.Errorf("stack %+v, want one whose innermost frame is in %s", d.Stack, tc.stack)
			}
		})
	}
	// The code actions run the same commands: their failures carry the same data.
	var acts []protocol.CodeAction
	c.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: rangeOf(t, text, "1/0")}, &acts)
	if len(acts) == 0 || acts[0].Command == nil {
		t.Fatalf("code actions: %+v", acts)
	}
	err := c.try("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: acts[0].Command.Command, Arguments: acts[0].Command.Arguments}, nil)
	if d := errorData(t, err); d.Type != bridge.EvaluationError || d.ExceptionClass != "ZeroDivide" || d.Range != rangeOf(t, text, "1/0") {
		t.Errorf("the %q code action failed with %+v", acts[0].Title, d)
	}
}

// TestSyntaxErrorRangeAfterNonASCII runs a syntax error through the fake image with code
// whose characters take one, two and four bytes, and one and two UTF-16 units.
func TestSyntaxErrorRangeAfterNonASCII(t *testing.T) {
	const code = "'Ελλάδα 😀' , é foo bar"
	dir := t.TempDir()
	copyVectors(t, bridgetest.VectorDir(), dir)
	vector := map[string]any{
		"description": "lsp: a syntax error after non-ASCII characters, at \"bar\" (character 19).",
		"request": map[string]any{
			"version": 1, "id": "lsp-1", "command": "evaluate", "session_id": "s-1", "token": "t", "deadline_ms": 5000,
			"parameters": map[string]any{"code": code, "mode": "print"},
		},
		"response": map[string]any{
			"version": 1, "id": "lsp-1", "status": "error", "timestamp": "2026-11-25T10:00:00.000Z", "duration_ms": 0.3,
			"error": map[string]any{"type": "SyntaxError", "message": "Nothing more expected", "details": map[string]any{"line": 1, "column": 20, "offset": 19}},
		},
	}
	raw, _ := json.MarshalIndent(vector, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "evaluate", "error-syntax-lsp-unicode.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := withImage(t, testOptions{}, bridgetest.WithVectors(dir))
	text := "\"😀 Ελλάδα\" y := 2.\n" + code + "\n"
	u := c.open("unicode.st", text)
	err := c.try("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, text, code)}, nil)
	d := errorData(t, err)
	if want := rangeOf(t, text, "bar"); d.Type != bridge.SyntaxError || d.Range != want {
		t.Errorf("data %+v, want a SyntaxError at %v", d, want)
	}
}

func copyVectors(t testing.TB, from, to string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(from, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors in %s: %v", from, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(to, filepath.Base(filepath.Dir(f)), filepath.Base(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInterruptOvertakingTheEvaluation is the race of an interrupt sent right after the
// evaluation: the image receives the interrupt before the evaluation, answers
// interrupted: false, and the evaluation must still be stopped. The race is forced: the
// evaluation is sent to the image only once it has received a second interrupt (so the
// first was answered before the evaluation arrived).
func TestInterruptOvertakingTheEvaluation(t *testing.T) {
	var img *bridgetest.Server // set before any evaluation
	c, img := withImage(t, testOptions{
		initOpts: map[string]any{"deadlines": map[string]any{"evaluate": 5000}},
		cfg: Config{beforeEvaluate: func(ctx context.Context) {
			n := 0
			_ = img.WaitFor(ctx, func(r bridge.Request) bool {
				if r.Command == bridge.Interrupt {
					n++
				}
				return n == 2
			})
		}},
	})
	u := c.open("play.st", playground)
	_, evalDone := c.async("workspace/executeCommand", &protocol.ExecuteCommandParams{
		Command: string(CmdDoIt), Arguments: evalArgs(t, u, playground, "[true] whileTrue"),
	}, nil)
	var ir bridge.InterruptResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdInterrupt), Arguments: []any{SessionArgs{URI: u}}}, &ir)
	if !ir.Interrupted {
		t.Errorf("stui.interrupt answered %+v, want interrupted: it must stop the evaluation it overtook", ir)
	}
	err := <-evalDone
	if errorCode(err) != codeRequestFailed {
		t.Fatalf("the interrupted evaluation answered %v, want RequestFailed with an Interrupted error", err)
	}
	d := errorData(t, err)
	if d.Type != bridge.Interrupted || len(d.Stack) == 0 || d.Range != rangeOf(t, playground, "[true] whileTrue") {
		t.Errorf("the interrupted evaluation's data: %+v", d)
	}
	var order []bridge.Command
	for _, r := range img.Requests() {
		if r.Command == bridge.Interrupt || r.Command == bridge.Evaluate {
			order = append(order, r.Command)
		}
	}
	if len(order) < 3 || order[0] != bridge.Interrupt || order[1] != bridge.Interrupt {
		t.Errorf("the image received %v, want interrupts before the evaluation (the first one answered before it arrived)", order)
	}
}

// TestInterruptCancelsAnEvaluationTheImageNeverStarts: past deadlines.request,
// stui.interrupt gives up on the image and cancels the evaluation.
func TestInterruptCancelsAnEvaluationTheImageNeverStarts(t *testing.T) {
	c, img := withImage(t, testOptions{
		initOpts: map[string]any{"deadlines": map[string]any{"request": 1000}},
		cfg:      Config{beforeEvaluate: func(ctx context.Context) { <-ctx.Done() }}, // never reaches the image
	})
	u := c.open("play.st", playground)
	_, evalDone := c.async("workspace/executeCommand", &protocol.ExecuteCommandParams{
		Command: string(CmdDoIt), Arguments: evalArgs(t, u, playground, "[true] whileTrue"),
	}, nil)
	var ir bridge.InterruptResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdInterrupt), Arguments: []any{SessionArgs{URI: u}}}, &ir)
	if ir.Interrupted {
		t.Errorf("stui.interrupt answered %+v, want interrupted: false (the image ran nothing)", ir)
	}
	if err := <-evalDone; errorCode(err) != protocol.CodeRequestCancelled {
		t.Fatalf("the evaluation answered %v, want RequestCancelled", err)
	}
	for _, r := range img.Requests() {
		if r.Command == bridge.Evaluate {
			t.Errorf("the image received an evaluation: %+v", r)
		}
	}
}

func TestInterruptWithNothingRunningIsSentOnce(t *testing.T) {
	c, img := withImage(t, testOptions{})
	u := c.open("play.st", playground)
	var ir bridge.InterruptResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdInterrupt), Arguments: []any{SessionArgs{URI: u}}}, &ir)
	n := 0
	for _, r := range img.Requests() {
		if r.Command == bridge.Interrupt {
			n++
		}
	}
	if ir.Interrupted || n != 1 {
		t.Errorf("stui.interrupt with nothing running answered %+v after %d interrupts, want false after 1", ir, n)
	}
}
