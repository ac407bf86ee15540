package lsp

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// tonelClass is a Tonel class file defining name.
func tonelClass(name string) string {
	return fmt.Sprintf("Class {\n\t#name : #%s,\n\t#superclass : #Object,\n\t#category : #Watched\n}\n", name)
}

// watchClient is a client that watches files for the server.
type watchClient struct {
	*client
	watched chan struct{} // receives once per batch of file events the server indexed
}

func startWatching(t *testing.T, files map[string]string) *watchClient {
	t.Helper()
	w := &watchClient{watched: make(chan struct{}, 64)}
	scanned := make(chan struct{}, 1)
	w.client = startServer(t, testOptions{
		files: files,
		caps: protocol.ClientCapabilities{Workspace: &protocol.WorkspaceClientCapabilities{
			DidChangeWatchedFiles: &protocol.DidChangeWatchedFilesWorkspaceClientCapabilities{DynamicRegistration: true},
		}},
		cfg: Config{
			onWatched: func() { w.watched <- struct{}{} },
			onScanned: func() {
				select {
				case scanned <- struct{}{}:
				default:
				}
			},
		},
	})
	select {
	case <-scanned:
	case <-time.After(testDeadline):
		t.Fatal("the workspace was not scanned")
	}
	return w
}

// path answers the absolute path of a file of the temporary directory.
func (w *watchClient) path(name string) string { return filepath.Join(w.dir, name) }

func (w *watchClient) write(name, content string) {
	w.t.Helper()
	p := w.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// changed sends one didChangeWatchedFiles and waits until the server has indexed it.
func (w *watchClient) changed(typ protocol.FileChangeType, names ...string) {
	w.t.Helper()
	var evs []*protocol.FileEvent
	for _, n := range names {
		evs = append(evs, &protocol.FileEvent{Type: typ, URI: uri.File(w.path(n))})
	}
	w.notify("workspace/didChangeWatchedFiles", &protocol.DidChangeWatchedFilesParams{Changes: evs})
	w.waitWatched()
}

func (w *watchClient) waitWatched() {
	w.t.Helper()
	select {
	case <-w.watched:
	case <-time.After(testDeadline):
		w.t.Fatalf("the server did not index the file events within %s", testDeadline)
	}
}

// classes answers the workspace classes workspace/symbol finds, as "Name path".
func (w *watchClient) classes() []string {
	w.t.Helper()
	var syms []protocol.SymbolInformation
	w.call("workspace/symbol", &protocol.WorkspaceSymbolParams{Query: ""}, &syms)
	var out []string
	for _, s := range syms {
		if s.Kind == protocol.SymbolKindClass {
			rel, _ := filepath.Rel(w.dir, uri.URI(s.Location.URI).Filename())
			out = append(out, s.Name+" "+filepath.ToSlash(rel))
		}
	}
	sort.Strings(out)
	return out
}

func (w *watchClient) wantClasses(when string, want ...string) {
	w.t.Helper()
	got := w.classes()
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		w.t.Errorf("%s: workspace classes %q, want %q", when, got, want)
	}
}

func TestWatcherIsRegistered(t *testing.T) {
	w := startWatching(t, nil)
	r, _ := w.waitFor(0, isMethod("client/registerCapability"))
	var p protocol.RegistrationParams
	if err := json.Unmarshal(r.Params, &p); err != nil || len(p.Registrations) != 1 {
		t.Fatalf("client/registerCapability %s: %v", r.Params, err)
	}
	reg := p.Registrations[0]
	raw, _ := json.Marshal(reg.RegisterOptions)
	var opts protocol.DidChangeWatchedFilesRegistrationOptions
	_ = json.Unmarshal(raw, &opts)
	if reg.Method != "workspace/didChangeWatchedFiles" || len(opts.Watchers) != 1 || opts.Watchers[0].GlobPattern != "**/*.st" {
		t.Errorf("registered %s with %s, want workspace/didChangeWatchedFiles watching **/*.st", reg.Method, raw)
	}
}

func TestWatchedFilesUpdateTheIndex(t *testing.T) {
	w := startWatching(t, map[string]string{"ws/src/Foo.class.st": tonelClass("Foo")})
	w.wantClasses("scanned", "Foo ws/src/Foo.class.st")

	w.write("ws/src/Bar.class.st", tonelClass("Bar"))
	w.changed(protocol.FileChangeTypeCreated, "ws/src/Bar.class.st")
	w.wantClasses("Bar.class.st created", "Bar ws/src/Bar.class.st", "Foo ws/src/Foo.class.st")

	w.write("ws/src/Foo.class.st", tonelClass("Baz"))
	w.changed(protocol.FileChangeTypeChanged, "ws/src/Foo.class.st")
	w.wantClasses("Foo.class.st changed to define Baz", "Bar ws/src/Bar.class.st", "Baz ws/src/Foo.class.st")

	if err := os.Remove(w.path("ws/src/Bar.class.st")); err != nil {
		t.Fatal(err)
	}
	w.changed(protocol.FileChangeTypeDeleted, "ws/src/Bar.class.st")
	w.wantClasses("Bar.class.st deleted", "Baz ws/src/Foo.class.st")

	// A deleted directory takes its files with it.
	w.write("ws/lib/Deep/Qux.class.st", tonelClass("Qux"))
	w.changed(protocol.FileChangeTypeCreated, "ws/lib/Deep/Qux.class.st")
	w.wantClasses("Qux.class.st created", "Baz ws/src/Foo.class.st", "Qux ws/lib/Deep/Qux.class.st")
	if err := os.RemoveAll(w.path("ws/lib")); err != nil {
		t.Fatal(err)
	}
	w.changed(protocol.FileChangeTypeDeleted, "ws/lib")
	w.wantClasses("ws/lib deleted", "Baz ws/src/Foo.class.st")

	// Files outside the workspace folders are not indexed.
	w.write("elsewhere/Out.class.st", tonelClass("Out"))
	w.changed(protocol.FileChangeTypeCreated, "elsewhere/Out.class.st")
	w.wantClasses("a file outside the folders created", "Baz ws/src/Foo.class.st")
}

func TestWatchedFilesLeaveOpenDocuments(t *testing.T) {
	w := startWatching(t, map[string]string{"ws/Open.class.st": tonelClass("OnDisk")})
	w.wantClasses("scanned", "OnDisk ws/Open.class.st")
	u := w.open("Open.class.st", tonelClass("Edited"))
	// didOpen indexes the text after the diagnostics delay; a change on disk meanwhile
	// must not win over it.
	w.write("ws/Open.class.st", tonelClass("Saved"))
	w.changed(protocol.FileChangeTypeChanged, "ws/Open.class.st")
	if got := w.classes(); strings.Contains(strings.Join(got, " "), "Saved") {
		t.Errorf("the watcher indexed an open document from disk: %q", got)
	}
	w.waitFor(0, isMethod("textDocument/publishDiagnostics"))
	w.wantClasses("the document is open", "Edited ws/Open.class.st")
	// Closed, the document is indexed from disk again.
	w.notify("textDocument/didClose", &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
	w.waitWatched()
	w.wantClasses("the document is closed", "Saved ws/Open.class.st")
}
