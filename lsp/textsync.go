package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-dev/stui/lsp/internal/position"
)

// document is one version of an open document. It is immutable: a change makes a new one.
type document struct {
	URI     protocol.DocumentURI
	Path    string // file path; empty for non-file URIs
	Version int32
	Mapper  *position.Mapper

	parseOnce sync.Once
	parsed    *parsed // see parse.go
}

// Text answers the document's content.
func (d *document) Text() []byte { return d.Mapper.Content() }

func newDocument(u protocol.DocumentURI, version int32, text []byte) *document {
	d := &document{URI: u, Version: version, Mapper: position.NewMapper(text)}
	if p, ok := filePath(u); ok {
		d.Path = p
	}
	return d
}

// filePath answers the path of a file: URI.
func filePath(u protocol.DocumentURI) (string, bool) {
	if len(u) < 5 || u[:5] != "file:" {
		return "", false
	}
	return uri.URI(u).Filename(), true
}

// documents holds the open documents and their pending diagnostics.
type documents struct {
	mu      sync.Mutex                         // guards the fields below
	open    map[protocol.DocumentURI]*document // by URI
	pending map[protocol.DocumentURI]func()    // cancels the document's scheduled diagnostics
	closed  bool
}

func newDocuments() *documents {
	return &documents{open: map[protocol.DocumentURI]*document{}, pending: map[protocol.DocumentURI]func(){}}
}

func (ds *documents) get(u protocol.DocumentURI) *document {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.open[u]
}

func (ds *documents) all() []*document {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	out := make([]*document, 0, len(ds.open))
	for _, d := range ds.open {
		out = append(out, d)
	}
	return out
}

func (ds *documents) set(d *document) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	ds.open[d.URI] = d
}

func (ds *documents) remove(u protocol.DocumentURI) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	delete(ds.open, u)
	if cancel := ds.pending[u]; cancel != nil {
		cancel()
		delete(ds.pending, u)
	}
}

// schedule runs f after delay unless the document's next schedule or close comes first;
// f's context is cancelled by them too.
func (ds *documents) schedule(parent context.Context, u protocol.DocumentURI, delay time.Duration, f func(context.Context)) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.closed {
		return
	}
	if cancel := ds.pending[u]; cancel != nil {
		cancel()
	}
	ctx, cancel := context.WithCancel(parent)
	t := time.AfterFunc(delay, func() {
		defer cancel()
		f(ctx)
	})
	ds.pending[u] = func() { t.Stop(); cancel() }
}

func (ds *documents) close() {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	ds.closed = true
	for u, cancel := range ds.pending {
		cancel()
		delete(ds.pending, u)
	}
}

// document answers the open document at u, or an error saying it is not open.
func (s *server) document(u protocol.DocumentURI) (*document, error) {
	d := s.docs.get(u)
	if d == nil {
		return nil, fmt.Errorf("stui-lsp: %s is not open", u)
	}
	return d, nil
}

func (s *server) DidOpen(ctx context.Context, params *protocol.DidOpenTextDocumentParams) error {
	d := newDocument(params.TextDocument.URI, params.TextDocument.Version, []byte(params.TextDocument.Text))
	s.docs.set(d)
	s.scheduleDiagnostics(d, 0)
	return nil
}

// didChangeParams is textDocument/didChange with a pointer Range, so that a whole-document
// replacement (no range) can be told from an edit at the start.
type didChangeParams struct {
	TextDocument   protocol.VersionedTextDocumentIdentifier `json:"textDocument"`
	ContentChanges []struct {
		Range *protocol.Range `json:"range,omitempty"`
		Text  string          `json:"text"`
	} `json:"contentChanges"`
}

func (s *server) didChangeRaw(raw json.RawMessage) {
	var p didChangeParams
	if err := json.Unmarshal(raw, &p); err != nil {
		s.logger.Warn("textDocument/didChange with unreadable parameters", zap.Error(err))
		return
	}
	old := s.docs.get(p.TextDocument.URI)
	if old == nil {
		s.logger.Warn("textDocument/didChange for a document that is not open", zap.String("uri", string(p.TextDocument.URI)))
		return
	}
	if p.TextDocument.Version != 0 && p.TextDocument.Version <= old.Version {
		s.logger.Warn("textDocument/didChange with a version that does not increase; ignored",
			zap.String("uri", string(p.TextDocument.URI)), zap.Int32("version", p.TextDocument.Version), zap.Int32("have", old.Version))
		return
	}
	text := old.Text()
	for _, c := range p.ContentChanges {
		if c.Range == nil {
			text = []byte(c.Text)
			continue
		}
		m := position.NewMapper(text)
		start, end, _ := m.Offsets(toRange(*c.Range))
		if end < start {
			start, end = end, start
		}
		next := make([]byte, 0, len(text)-(end-start)+len(c.Text))
		next = append(next, text[:start]...)
		next = append(next, c.Text...)
		next = append(next, text[end:]...)
		text = next
	}
	d := newDocument(old.URI, p.TextDocument.Version, text)
	s.docs.set(d)
	s.scheduleDiagnostics(d, s.optionsFor(d).diagnosticDelay())
}

// DidChange is reached only through protocol's dispatcher, which the handler chain
// bypasses for didChange (see didChangeRaw).
func (s *server) DidChange(ctx context.Context, params *protocol.DidChangeTextDocumentParams) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	s.didChangeRaw(raw)
	return nil
}

func (s *server) DidClose(ctx context.Context, params *protocol.DidCloseTextDocumentParams) error {
	s.docs.remove(params.TextDocument.URI)
	// The index held the document's text: it follows the disk again.
	s.enqueueFileEvents([]*protocol.FileEvent{{URI: uri.URI(params.TextDocument.URI), Type: protocol.FileChangeTypeChanged}})
	// Clear the document's diagnostics.
	go s.notify(protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{
		URI: params.TextDocument.URI, Diagnostics: []protocol.Diagnostic{},
	})
	return nil
}

func (s *server) DidSave(ctx context.Context, params *protocol.DidSaveTextDocumentParams) error {
	d := s.docs.get(params.TextDocument.URI)
	if d == nil {
		return nil
	}
	if params.Text != "" && params.Text != string(d.Text()) {
		d = newDocument(d.URI, d.Version, []byte(params.Text))
		s.docs.set(d)
	}
	// Compiling in the image is a bridge round trip: off the read loop.
	go s.checkSaved(s.ctx, d)
	return nil
}

func (s *server) WillSave(ctx context.Context, params *protocol.WillSaveTextDocumentParams) error {
	return nil
}

func toRange(r protocol.Range) position.Range {
	return position.Range{
		Start: position.Point{Line: r.Start.Line, Character: r.Start.Character},
		End:   position.Point{Line: r.End.Line, Character: r.End.Character},
	}
}

func fromRange(r position.Range) protocol.Range {
	return protocol.Range{
		Start: protocol.Position{Line: r.Start.Line, Character: r.Start.Character},
		End:   protocol.Position{Line: r.End.Line, Character: r.End.Character},
	}
}

func toPoint(p protocol.Position) position.Point {
	return position.Point{Line: p.Line, Character: p.Character}
}
