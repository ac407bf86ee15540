package lsptest

// Bad input on the LSP side, sent to the stui-lsp binary. After each, the server must
// still serve, and the folder's document, session and workspace variables must be intact.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

func rawFrame(body string) []byte {
	return fmt.Appendf(nil, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

func TestBadInputMalformedJSONRPC(t *testing.T) {
	e := start(t, setup{folders: 1})
	f := e.folders[0]
	id := e.sessionOf(f)
	inputs := []struct {
		name  string
		bytes []byte
	}{
		{"body not JSON", rawFrame(`{"jsonrpc":"2.0","id":1,"method":`)},
		{"garbage body", rawFrame("hello")},
		{"batch (not supported)", rawFrame(`[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]`)},
		{"no Content-Length", []byte("Content-Type: x\r\n\r\n")},
		{"bad Content-Length", []byte("Content-Length: abc\r\n\r\n")},
		{"request with a numeric method", rawFrame(`{"jsonrpc":"2.0","id":777,"method":12}`)},
		{"notification with bad params", rawFrame(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":[1,2]}`)},
		{"didOpen with bad params", rawFrame(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":7}}`)},
		{"hover with bad params", rawFrame(`{"jsonrpc":"2.0","id":778,"method":"textDocument/hover","params":"x"}`)},
		{"blank lines between frames", []byte("\r\n\r\n")},
	}
	for _, in := range inputs {
		if err := e.c.WriteRaw(in.bytes); err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
	}
	// The server answered the malformed messages (with a null id: jsonrpc2 cannot decode
	// those answers) and goes on serving.
	e.intact(t, f, id)
	if n := e.c.Undecodable(); n < 5 {
		t.Errorf("the server answered %d malformed messages with a null id, want at least 5", n)
	}
	if _, ok := e.c.Exited(); ok {
		t.Fatal("stui-lsp exited")
	}
}

// TestBadInputJunkLineBeforeAFrame sends a line of junk and then a well-formed request:
// the junk is answered with a parse error and the request must be answered as usual.
func TestBadInputJunkLineBeforeAFrame(t *testing.T) {
	e := start(t, setup{folders: 1})
	f := e.folders[0]
	if err := e.c.WriteRaw([]byte("xyz\n")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := f.Do(ctx, e.c, OpHoverVariable, 1); err != nil {
		t.Errorf("the request after a line of junk was not answered: %v", err)
		e.c.Kill() // the server lost the request's frame; do not wait for a clean exit
	}
}

func TestBadInputUnknownMethods(t *testing.T) {
	e := start(t, setup{folders: 1})
	f := e.folders[0]
	id := e.sessionOf(f)
	ctx := testCtx(t)
	for _, m := range []string{"stui/noSuchRequest", "textDocument/noSuchFeature", "workspace/executeCommand "} {
		err := e.c.Call(ctx, m, map[string]any{}, nil)
		if errorCode(err) != jsonrpc2.MethodNotFound {
			t.Errorf("%s answered %v, want MethodNotFound (-32601)", m, err)
		}
	}
	err := e.c.Execute(ctx, "stui.noSuchCommand", map[string]any{"uri": f.URI}, nil)
	if errorCode(err) != jsonrpc2.InvalidParams || !strings.Contains(err.Error(), "stui.printIt") {
		t.Errorf("an unknown command answered %v, want InvalidParams listing the commands", err)
	}
	for _, m := range []string{"stui/noSuchNotification", "$/noSuchThing", "textDocument/didNothing"} {
		if err := e.c.Notify(ctx, m, map[string]any{"x": 1}); err != nil {
			t.Fatal(err)
		}
	}
	e.intact(t, f, id)
}

func TestBadInputHugeDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 50 MB document")
	}
	e := start(t, setup{folders: 2})
	f, other := e.folders[0], e.folders[1]
	id := e.sessionOf(f)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// 50 MB of statements after the folder's own playground.
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(f.Text, "v") + "\n")
	for b.Len() < 50<<20 {
		fmt.Fprintf(&b, "w%d := 'some text that fills the document up to fifty megabytes'.\n", b.Len())
	}
	b.WriteString("last := 42.")
	big := b.String()
	lines := uint32(strings.Count(big, "\n"))
	u := FileURI(f.Dir + "/big.st")
	rssBefore, _ := e.c.RSS()
	start := time.Now()
	if err := e.c.Open(ctx, u, big); err != nil {
		t.Fatal(err)
	}
	// Requests in the big document answer.
	h, err := e.c.Hover(ctx, u, protocol.Position{Line: lines, Character: 1})
	if err != nil {
		t.Fatalf("hover at the end of a 50 MB document: %v", err)
	}
	t.Logf("hover at the end of the 50 MB document answered %d bytes, %v after didOpen", len(fmt.Sprint(h)), time.Since(start).Round(time.Millisecond))
	var res struct {
		PrintString string `json:"print_string"`
	}
	err = e.c.Execute(ctx, "stui.printIt", map[string]any{"uri": u, "range": protocol.Range{
		Start: protocol.Position{Line: lines}, End: protocol.Position{Line: lines, Character: 10}}}, &res)
	if err != nil || res.PrintString != "42" {
		t.Fatalf("Print it of the last line of a 50 MB document answered %+v, %v", res, err)
	}
	if got := e.lastEval(t); got != "last := 42" {
		t.Errorf("Print it evaluated %q, want the document's last statement", got)
	}
	// Another folder's requests are served meanwhile.
	t0 := time.Now()
	if err := other.Do(ctx, e.c, OpHoverVariable, 2); err != nil {
		t.Errorf("hover in another folder with a 50 MB document open: %v", err)
	}
	t.Logf("hover in another folder: %v", time.Since(t0).Round(time.Millisecond))
	rssAfter, _ := e.c.RSS()
	t.Logf("stui-lsp's resident memory: %d MiB before, %d MiB with the 50 MB document open", rssBefore>>20, rssAfter>>20)
	if err := e.c.Notify(ctx, protocol.MethodTextDocumentDidClose, &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}); err != nil {
		t.Fatal(err)
	}
	e.intact(t, f, id)
}

func TestBadInputInvalidUTF8(t *testing.T) {
	e := start(t, setup{folders: 1})
	f := e.folders[0]
	id := e.sessionOf(f)
	ctx := testCtx(t)
	u := FileURI(f.Dir + "/bad.st")
	// Raw bytes that are not UTF-8 inside the JSON string, and an escaped lone surrogate.
	body := `{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"` + string(u) +
		`","languageId":"smalltalk","version":1,"text":"s := 'caf` + "\xe9\xff\xfe" + `'.\nt := '\ud800x'.\nÉlan := 3."}}}`
	if err := e.c.WriteRaw(rawFrame(body)); err != nil {
		t.Fatal(err)
	}
	for line := range uint32(3) {
		for ch := range uint32(14) {
			if _, err := e.c.Hover(ctx, u, protocol.Position{Line: line, Character: ch}); err != nil {
				t.Fatalf("hover at %d:%d of a document with invalid UTF-8: %v", line, ch, err)
			}
		}
	}
	if _, err := e.c.Completion(ctx, u, protocol.Position{Line: 2, Character: 2}); err != nil {
		t.Errorf("completion in a document with invalid UTF-8: %v", err)
	}
	var res struct {
		PrintString string `json:"print_string"`
	}
	err := e.c.Execute(ctx, "stui.printIt", map[string]any{"uri": u, "range": protocol.Range{End: protocol.Position{Line: 0, Character: 12}}}, &res)
	if err != nil {
		t.Fatalf("Print it of a line with invalid UTF-8: %v", err)
	}
	t.Logf("Print it of the line with invalid UTF-8 sent %q to the image", e.lastEval(t))
	// Invalid UTF-8 in a change, too.
	change := `{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"` + string(u) +
		`","version":2},"contentChanges":[{"range":{"start":{"line":1,"character":0},"end":{"line":1,"character":0}},"text":"` + "\xc3\x28" + `"}]}}`
	if err := e.c.WriteRaw(rawFrame(change)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Hover(ctx, u, protocol.Position{Line: 1, Character: 1}); err != nil {
		t.Errorf("hover after a change with invalid UTF-8: %v", err)
	}
	e.intact(t, f, id)
}

func TestBadInputPositionsPastTheEnd(t *testing.T) {
	e := start(t, setup{folders: 1})
	f := e.folders[0]
	id := e.sessionOf(f)
	ctx := testCtx(t)
	other := FileURI(f.Dir + "/other.st")
	text := "a := 1.\nb := 'é😀'.\n"
	if err := e.c.Open(ctx, other, text); err != nil {
		t.Fatal(err)
	}
	past := []protocol.Position{
		{Line: 0, Character: 500},  // past the end of a line
		{Line: 1, Character: 9},    // inside the emoji's UTF-16 pair, and past it
		{Line: 2, Character: 0},    // the empty last line
		{Line: 2, Character: 7},    // past the end of the last line
		{Line: 1000, Character: 3}, // past the end of the file
		{Line: 1<<31 - 1, Character: 1<<31 - 1},
	}
	for _, p := range past {
		for _, m := range []string{protocol.MethodTextDocumentHover, protocol.MethodTextDocumentCompletion, protocol.MethodTextDocumentDefinition, protocol.MethodTextDocumentReferences} {
			params := map[string]any{"textDocument": map[string]any{"uri": other}, "position": p, "context": map[string]any{"includeDeclaration": true}}
			var out json.RawMessage
			err := e.c.Call(ctx, m, params, &out)
			if code := errorCode(err); err != nil && code != jsonrpc2.InvalidParams && code != codeRequestFailed {
				t.Errorf("%s at %v answered %v, want a result or a plain error (no internal error)", m, p, err)
			}
		}
		err := e.c.Execute(ctx, "stui.printIt", map[string]any{"uri": other, "range": protocol.Range{Start: p, End: p}}, nil)
		if code := errorCode(err); err != nil && code != jsonrpc2.InvalidParams && code != codeRequestFailed {
			t.Errorf("Print it at %v answered %v, want a result or a plain error", p, err)
		}
	}
	// A change whose range is past the end: the text is clamped to the end, nothing else
	// moves.
	if err := e.c.Notify(ctx, protocol.MethodTextDocumentDidChange, map[string]any{
		"textDocument": map[string]any{"uri": other, "version": 2},
		"contentChanges": []any{map[string]any{"range": protocol.Range{
			Start: protocol.Position{Line: 50, Character: 3}, End: protocol.Position{Line: 60}}, "text": "c := 3."}},
	}); err != nil {
		t.Fatal(err)
	}
	var res struct {
		PrintString string `json:"print_string"`
	}
	err := e.c.Execute(ctx, "stui.printIt", map[string]any{"uri": other, "range": protocol.Range{End: protocol.Position{Character: 6}}}, &res)
	if err != nil || e.lastEval(t) != "a := 1" {
		t.Errorf("after a change past the end, Print it of the first line answered %+v, %v and evaluated %q, want a := 1", res, err, e.lastEval(t))
	}
	e.intact(t, f, id)
}
