package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// change is a didChange content change with an optional range.
type change struct {
	Range *protocol.Range `json:"range,omitempty"`
	Text  string          `json:"text"`
}

func (c *client) change(u protocol.DocumentURI, version int32, changes ...change) {
	c.t.Helper()
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": u, "version": version},
		"contentChanges": changes,
	})
}

func rng(sl, sc, el, ec uint32) *protocol.Range {
	return &protocol.Range{Start: protocol.Position{Line: sl, Character: sc}, End: protocol.Position{Line: el, Character: ec}}
}

// symbolNames answers the names of the document's symbols: a view of its text as the
// server has it.
func (c *client) symbolNames(u protocol.DocumentURI) []string {
	var syms []protocol.DocumentSymbol
	c.call("textDocument/documentSymbol", &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &syms)
	var out []string
	for _, s := range syms {
		out = append(out, s.Name)
	}
	return out
}

func TestIncrementalChangesWithNonASCII(t *testing.T) {
	c := startServer(t, testOptions{})
	// "é" is one UTF-16 unit and two bytes; "😀" two units and four bytes.
	u := c.open("play.st", "s := 'é😀'.\nabc := 1.\n")
	// Insert at the start: a change whose range starts at 0:0 (not a replacement).
	c.change(u, 2, change{Range: rng(0, 0, 0, 0), Text: "x := 0.\n"})
	// Replace "abc" on line 2, after the line with non-ASCII text.
	c.change(u, 3, change{Range: rng(2, 0, 2, 3), Text: "Ελλάδα"})
	// Insert after the emoji: character 9 = s(1) space(1) :=(2) space(1) '(1) é(1) 😀(2).
	c.change(u, 4, change{Range: rng(1, 9, 1, 9), Text: "z"})
	d := c.serverDoc(u)
	if got, want := string(d.Text()), "x := 0.\ns := 'é😀z'.\nΕλλάδα := 1.\n"; got != want {
		t.Fatalf("after the changes the server has %q, want %q", got, want)
	}
	if got := c.symbolNames(u); strings.Join(got, " ") != "x s Ελλάδα" {
		t.Errorf("symbols: got %v", got)
	}
	// A change without a range replaces the document.
	c.change(u, 5, change{Text: "w := 1.\n"})
	if got := c.symbolNames(u); strings.Join(got, " ") != "w" {
		t.Errorf("after a full replacement: got %v, want [w]", got)
	}
	// A stale version is ignored, and the document stays as it was.
	c.change(u, 4, change{Text: "stale := 1.\n"})
	if got := c.symbolNames(u); strings.Join(got, " ") != "w" {
		t.Errorf("after a stale change: got %v, want [w]", got)
	}
}

// serverDoc answers the server's copy of a document, through a request so that every
// notification sent before has been handled.
func (c *client) serverDoc(u protocol.DocumentURI) *document {
	c.t.Helper()
	c.symbolNames(u)
	return c.srv.docs.get(u)
}

func TestDiagnosticsFollowTypingAndAreCancelledByTheNextChange(t *testing.T) {
	c := startServer(t, testOptions{initOpts: map[string]any{"diagnostics": map[string]any{"delay": 500}}})
	u := c.open("play.st", "x := 1.\n")
	r, _ := c.waitFor(0, isMethod("textDocument/publishDiagnostics"))
	if strings.Contains(string(r.Params), `"message"`) {
		t.Fatalf("a valid document has diagnostics: %s", r.Params)
	}
	mark := c.count()
	c.change(u, 2, change{Text: "x := ).\n"})
	c.change(u, 3, change{Text: "x := (.\n"})
	c.change(u, 4, change{Text: "x := 3 +.\n"})
	r, _ = c.waitFor(mark, isMethod("textDocument/publishDiagnostics"))
	var p protocol.PublishDiagnosticsParams
	_ = json.Unmarshal(r.Params, &p)
	if p.Version != 4 {
		t.Errorf("the first diagnostics after three quick changes are for version %d, want 4 (the earlier ones cancelled)", p.Version)
	}
	if len(p.Diagnostics) == 0 || p.Diagnostics[0].Range.Start.Line != 0 {
		t.Errorf("diagnostics of %q: %+v", "x := 3 +.", p.Diagnostics)
	}
	// Closing clears them.
	mark = c.count()
	c.notify("textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
	r, _ = c.waitFor(mark, isMethod("textDocument/publishDiagnostics"))
	_ = json.Unmarshal(r.Params, &p)
	if len(p.Diagnostics) != 0 {
		t.Errorf("after close: %+v", p.Diagnostics)
	}
}

func TestSessionsPerFolderAndConfigurationPull(t *testing.T) {
	imgA := bridgetest.NewServer(t)
	imgB := bridgetest.NewServer(t)
	dir := t.TempDir()
	tokA, tokB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	_ = os.WriteFile(tokA, []byte(imgA.Token()), 0o600)
	_ = os.WriteFile(tokB, []byte(imgB.Token()), 0o600)
	var c *client
	c = startServer(t, testOptions{
		folders: []string{"a", "b"},
		settings: func(scope string) any {
			switch {
			case strings.HasSuffix(scope, "/b"):
				return map[string]any{"endpoint": imgB.Endpoint(), "tokenFile": tokB}
			default: // folder a and the default scope
				return map[string]any{"endpoint": imgA.Endpoint(), "tokenFile": tokA}
			}
		},
	})
	c.waitFor(0, func(r received) bool { return r.Method == MethodStatus && strings.Contains(string(r.Params), `/b"`) })
	open := func(rel, text string) protocol.DocumentURI {
		u := protocol.DocumentURI(uri.File(filepath.Join(c.dir, rel)))
		c.notify("textDocument/didOpen", &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: u, Version: 1, Text: text}})
		return u
	}
	ua := open("a/p.st", "3 + 4.")
	ub := open("b/p.st", "3 + 4.")
	out := open("elsewhere/p.st", "3 + 4.") // outside every folder: the default session
	for _, u := range []protocol.DocumentURI{ua, ub, out} {
		var pr PrintItResult
		c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, "3 + 4.", "3 + 4")}, &pr)
	}
	names := func(img *bridgetest.Server) []string {
		var out []string
		for _, r := range img.Requests() {
			if r.Command == bridge.CreateSession {
				var p bridge.CreateSessionParams
				_ = json.Unmarshal(r.Parameters, &p)
				out = append(out, p.Name)
			}
		}
		return out
	}
	if got := strings.Join(names(imgA), ","); got != "a,." && got != ".,a" {
		t.Errorf("image A (folder a and the default) got sessions %q", got)
	}
	if got := strings.Join(names(imgB), ","); got != "b" {
		t.Errorf("image B (folder b) got sessions %q", got)
	}
	// A folder added later gets its own session, on the default settings.
	mark := c.count()
	c.notify("workspace/didChangeWorkspaceFolders", &protocol.DidChangeWorkspaceFoldersParams{Event: protocol.WorkspaceFoldersChangeEvent{
		Added: []protocol.WorkspaceFolder{{URI: string(uri.File(filepath.Join(c.dir, "c"))), Name: "c"}},
	}})
	c.waitFor(mark, isMethod("workspace/configuration"))
	uc := open("c/p.st", "3 + 4.")
	var pr PrintItResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, uc, "3 + 4.", "3 + 4")}, &pr)
	if got := names(imgA); len(got) != 3 || got[2] != "c" {
		t.Errorf("after adding folder c, image A got sessions %v", got)
	}
}

func TestRestartSession(t *testing.T) {
	c, img := withImage(t, testOptions{})
	u := c.open("play.st", "3 + 4.")
	var pr PrintItResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, "3 + 4.", "3 + 4")}, &pr)
	var rr RestartResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdRestartSession), Arguments: []any{EvalArgs{URI: u}}}, &rr)
	closed := 0
	for _, r := range img.Requests() {
		if r.Command == bridge.CloseSession {
			closed++
		}
	}
	if closed != 1 || rr.SessionID == "" {
		t.Errorf("restart: %d close_session sent, new session %q", closed, rr.SessionID)
	}
}

// TestEmptyPushedSettingsKeepInitializationOptions: Neovim sends didChangeConfiguration
// with empty settings after initialized; that must not reset initializationOptions.
func TestEmptyPushedSettingsKeepInitializationOptions(t *testing.T) {
	c, _ := withImage(t, testOptions{})
	mark := c.count()
	c.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{}})
	u := c.open("play.st", "3 + 4.")
	var pr PrintItResult
	c.call("workspace/executeCommand", &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(t, u, "3 + 4.", "3 + 4")}, &pr)
	if pr.PrintString != "7" {
		t.Fatalf("Print it answered %+v", pr)
	}
	for _, r := range c.all(MethodStatus)[0:] {
		if strings.Contains(string(r.Params), "disconnected") {
			t.Errorf("after empty pushed settings: %s (sent after message %d)", r.Params, mark)
		}
	}
}
