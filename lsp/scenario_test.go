package lsp

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"golang.org/x/tools/txtar"

	"github.com/stui-dev/stui/bridge/bridgetest"
)

var update = flag.Bool("update", false, "rewrite the golden sections of testdata/lsp/*.txtar")

// TestScenarios runs the txtar archives of testdata/lsp. Each archive is one case:
//
//   - its comment says what is tested;
//   - files under ws/ are the workspace folder's files, written to disk and opened in
//     the editor when a command names them;
//   - "settings.json", when present, is the stui section (initializationOptions);
//   - "image" says "none" for a server without a Pharo image;
//   - "script" lists commands, one a line: hover, completion, definition, references,
//     selection FILE PATTERN; symbols, folding, diagnostics, save FILE; wsymbol QUERY;
//     codeAction, printIt, doIt, inspect FILE PATTERN. A PATTERN is text of the file; the
//     cursor is at its "|", a selection is written «like this»;
//   - "golden" holds what the commands answered; -update rewrites it.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "lsp", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios in testdata/lsp (%v)", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runScenario(t, file)
		})
	}
}

type scenario struct {
	t       *testing.T
	c       *client
	files   map[string]string
	opened  map[string]protocol.DocumentURI
	out     strings.Builder
	indexed chan struct{}
	loaded  bool // the completion index was loaded
}

func runScenario(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sc := &scenario{t: t, files: map[string]string{}, opened: map[string]protocol.DocumentURI{}, indexed: make(chan struct{}, 1)}
	var script, settings, image string
	for _, f := range ar.Files {
		switch f.Name {
		case "script":
			script = string(f.Data)
		case "settings.json":
			settings = string(f.Data)
		case "image":
			image = strings.TrimSpace(string(f.Data))
		case "golden":
		default:
			sc.files[f.Name] = string(f.Data)
		}
	}
	scanned := make(chan struct{}, 1)
	initOpts := map[string]any{}
	if settings != "" {
		if err := json.Unmarshal([]byte(settings), &initOpts); err != nil {
			t.Fatalf("settings.json: %v", err)
		}
	}
	o := testOptions{
		files:    sc.files,
		initOpts: initOpts,
		caps: protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{
			ShowDocument: &protocol.ShowDocumentClientCapabilities{Support: true},
		}},
		cfg: Config{
			onIndexed: func() {
				select {
				case sc.indexed <- struct{}{}:
				default:
				}
			},
			onScanned: func() {
				select {
				case scanned <- struct{}{}:
				default:
				}
			},
		},
	}
	var img *bridgetest.Server
	if image == "none" {
		initOpts["endpoint"] = "tcp://127.0.0.1:1" // nothing listens there
		sc.c = startServer(t, o)
		sc.c.waitFor(0, status("disconnected"))
	} else {
		sc.c, img = withImage(t, o)
		_ = img
	}
	select {
	case <-scanned: // the workspace's files are indexed
	case <-timeAfter():
		t.Fatal("the workspace was not scanned")
	}
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fmt.Fprintf(&sc.out, "## %s\n", line)
		sc.run(line)
	}
	got := sc.normalize(sc.out.String())
	if *update {
		var kept []txtar.File
		for _, f := range ar.Files {
			if f.Name != "golden" {
				kept = append(kept, f)
			}
		}
		ar.Files = append(kept, txtar.File{Name: "golden", Data: []byte(got)})
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var want string
	for _, f := range ar.Files {
		if f.Name == "golden" {
			want = string(f.Data)
		}
	}
	if got != want {
		t.Errorf("%s: the answers differ from the golden section (run with -update to accept):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

var scratchPath = regexp.MustCompile(`/[^"\s]*/stui-lsp-[0-9]+`)

func (sc *scenario) normalize(s string) string {
	s = strings.ReplaceAll(s, string(uri.File(sc.c.dir)), "file://$WORK")
	s = strings.ReplaceAll(s, sc.c.dir, "$WORK")
	s = scratchPath.ReplaceAllString(s, "$$SCRATCH")
	return s
}

func (sc *scenario) doc(name string) (protocol.DocumentURI, string) {
	text, ok := sc.files[name]
	if !ok {
		sc.t.Fatalf("the script names %s, which the archive does not hold", name)
	}
	if u, ok := sc.opened[name]; ok {
		return u, text
	}
	u := protocol.DocumentURI(uri.File(filepath.Join(sc.c.dir, name)))
	sc.c.notify("textDocument/didOpen", &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: "smalltalk", Version: 1, Text: text,
	}})
	sc.opened[name] = u
	return u, text
}

// where answers the position or range a pattern denotes.
func (sc *scenario) where(text, pattern string) protocol.Range {
	if i := strings.Index(pattern, "«"); i >= 0 {
		j := strings.Index(pattern, "»")
		plain := strings.NewReplacer("«", "", "»", "").Replace(pattern)
		start := positionOf(sc.t, text, plain[:i]+"|"+plain[i:])
		end := positionOf(sc.t, text, plain[:j-len("«")]+"|"+plain[j-len("«"):])
		return protocol.Range{Start: start, End: end}
	}
	p := positionOf(sc.t, text, pattern)
	return protocol.Range{Start: p, End: p}
}

func (sc *scenario) print(v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		sc.t.Fatal(err)
	}
	sc.out.Write(b)
	sc.out.WriteString("\n")
}

func (sc *scenario) run(line string) {
	t := sc.t
	cmd, rest, _ := strings.Cut(line, " ")
	name, pattern, _ := strings.Cut(rest, " ")
	pos := func() (protocol.TextDocumentPositionParams, protocol.DocumentURI, string) {
		u, text := sc.doc(name)
		return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: sc.where(text, pattern).Start}, u, text
	}
	switch cmd {
	case "hover":
		p, _, _ := pos()
		var h *protocol.Hover
		sc.c.call("textDocument/hover", &protocol.HoverParams{TextDocumentPositionParams: p}, &h)
		if h == nil {
			sc.out.WriteString("null\n")
			return
		}
		sc.out.WriteString(h.Contents.Value + "\n")
	case "completion":
		if !sc.loaded {
			select {
			case <-sc.indexed:
				sc.loaded = true
			case <-timeAfter():
				t.Fatal("the completion index was not loaded")
			}
		}
		p, _, _ := pos()
		var l protocol.CompletionList
		sc.c.call("textDocument/completion", &protocol.CompletionParams{TextDocumentPositionParams: p}, &l)
		for _, it := range l.Items {
			fmt.Fprintf(&sc.out, "%s (%v) %s\n", it.Label, it.Kind, it.Detail)
		}
		if l.IsIncomplete {
			sc.out.WriteString("(incomplete)\n")
		}
	case "definition", "references":
		p, _, _ := pos()
		var locs []protocol.Location
		if cmd == "definition" {
			sc.c.call("textDocument/definition", &protocol.DefinitionParams{TextDocumentPositionParams: p}, &locs)
		} else {
			sc.c.call("textDocument/references", &protocol.ReferenceParams{TextDocumentPositionParams: p}, &locs)
		}
		sc.printLocations(locs)
	case "selection":
		p, _, _ := pos()
		var rs []protocol.SelectionRange
		sc.c.call("textDocument/selectionRange", &SelectionRangeParams{TextDocument: p.TextDocument, Positions: []protocol.Position{p.Position}}, &rs)
		_, text := sc.doc(name)
		for r := &rs[0]; r != nil; r = r.Parent {
			fmt.Fprintf(&sc.out, "%q\n", sliceRange(text, r.Range))
		}
	case "symbols":
		u, _ := sc.doc(name)
		var syms []protocol.DocumentSymbol
		sc.c.call("textDocument/documentSymbol", &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &syms)
		var walk func(string, []protocol.DocumentSymbol)
		walk = func(indent string, ss []protocol.DocumentSymbol) {
			for _, s := range ss {
				fmt.Fprintf(&sc.out, "%s%s (%v) %s\n", indent, s.Name, s.Kind, s.Detail)
				walk(indent+"  ", s.Children)
			}
		}
		walk("", syms)
	case "folding":
		u, _ := sc.doc(name)
		var fr []protocol.FoldingRange
		sc.c.call("textDocument/foldingRange", &protocol.FoldingRangeParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}}, &fr)
		for _, f := range fr {
			fmt.Fprintf(&sc.out, "%d-%d %s\n", f.StartLine, f.EndLine, f.Kind)
		}
	case "wsymbol":
		var syms []protocol.SymbolInformation
		sc.c.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: rest}, &syms)
		for _, s := range syms {
			fmt.Fprintf(&sc.out, "%s (%v) in %s at %s\n", s.Name, s.Kind, s.ContainerName, sc.normalize(string(s.Location.URI)))
		}
	case "diagnostics":
		u, _ := sc.doc(name)
		sc.printDiagnostics(u, 0, "")
	case "save":
		u, text := sc.doc(name)
		mark := sc.c.count()
		sc.c.notify("textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Text: text})
		sc.printDiagnostics(u, mark, "pharo")
	case "codeAction":
		u, text := sc.doc(name)
		var acts []protocol.CodeAction
		sc.c.call("textDocument/codeAction", &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: sc.where(text, pattern)}, &acts)
		sc.print(acts)
	case "printIt", "doIt", "inspect":
		u, text := sc.doc(name)
		mark := sc.c.count()
		var res json.RawMessage
		err := sc.c.try("workspace/executeCommand", &protocol.ExecuteCommandParams{
			Command: "stui." + cmd, Arguments: []any{EvalArgs{URI: u, Range: sc.where(text, pattern)}},
		}, &res)
		if err != nil {
			fmt.Fprintf(&sc.out, "error: %v\n", err)
			return
		}
		var v any
		_ = json.Unmarshal(res, &v)
		sc.print(v)
		switch cmd {
		case "printIt":
			sc.c.mu.Lock()
			edits := sc.c.edits
			sc.c.mu.Unlock()
			sc.print(edits[len(edits)-1])
		case "doIt":
			r, _ := sc.c.waitFor(mark, isMethod("window/showMessage"))
			fmt.Fprintf(&sc.out, "showMessage: %s\n", r.Params)
		case "inspect":
			r, _ := sc.c.waitFor(mark, isMethod("window/showDocument"))
			var p protocol.ShowDocumentParams
			_ = json.Unmarshal(r.Params, &p)
			b, err := os.ReadFile(uri.URI(p.URI).Filename())
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&sc.out, "showDocument %s:\n%s", sc.normalize(string(p.URI)), b)
		}
	default:
		t.Fatalf("unknown command %q", cmd)
	}
}

func (sc *scenario) printLocations(locs []protocol.Location) {
	for _, l := range locs {
		path := uri.URI(l.URI).Filename()
		fmt.Fprintf(&sc.out, "%s:%d:%d\n", sc.normalize(path), l.Range.Start.Line+1, l.Range.Start.Character+1)
		if strings.Contains(path, "stui-lsp-") {
			// A read-only document from the image: show its start.
			b, err := os.ReadFile(path)
			if err != nil {
				sc.t.Fatal(err)
			}
			lines := strings.SplitN(string(b), "\n", 4)
			if len(lines) > 3 {
				lines = lines[:3]
			}
			for _, ln := range lines {
				fmt.Fprintf(&sc.out, "  | %s\n", ln)
			}
		}
	}
}

// printDiagnostics waits for the diagnostics of u published after the first skip
// messages (with a diagnostic from source, when not empty) and prints them.
func (sc *scenario) printDiagnostics(u protocol.DocumentURI, skip int, source string) {
	r, _ := sc.c.waitFor(skip, func(r received) bool {
		if r.Method != "textDocument/publishDiagnostics" {
			return false
		}
		var p protocol.PublishDiagnosticsParams
		_ = json.Unmarshal(r.Params, &p)
		if p.URI != u {
			return false
		}
		if source == "" {
			return true
		}
		for _, d := range p.Diagnostics {
			if d.Source == source {
				return true
			}
		}
		return false
	})
	var p protocol.PublishDiagnosticsParams
	_ = json.Unmarshal(r.Params, &p)
	_, text := sc.doc(nameOf(sc, u))
	sort.SliceStable(p.Diagnostics, func(i, j int) bool { return p.Diagnostics[i].Range.Start.Line < p.Diagnostics[j].Range.Start.Line })
	for _, d := range p.Diagnostics {
		fmt.Fprintf(&sc.out, "%d:%d %v %s: %s %q\n", d.Range.Start.Line+1, d.Range.Start.Character+1, d.Severity, d.Source, d.Message, sliceRange(text, d.Range))
	}
	if len(p.Diagnostics) == 0 {
		sc.out.WriteString("(none)\n")
	}
}

func nameOf(sc *scenario, u protocol.DocumentURI) string {
	for n, v := range sc.opened {
		if v == u {
			return n
		}
	}
	return ""
}

// sliceRange answers the text of r in text.
func sliceRange(text string, r protocol.Range) string {
	m := newDocument("file:///x", 0, []byte(text)).Mapper
	start, end, _ := m.Offsets(toRange(r))
	return text[start:end]
}

func timeAfter() <-chan time.Time { return time.After(testDeadline) }
