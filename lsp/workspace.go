package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-dev/stui/lsp/internal/position"
	"github.com/stui-dev/stui/lsp/smalltalk"
)

// folder is a workspace folder and its settings. The default folder (Path "") holds the
// documents outside every folder.
type folder struct {
	URI  protocol.DocumentURI
	Path string
	Name string
	Opts Options
}

// workspace holds the folders and the settings.
type workspace struct {
	mu       sync.Mutex      // guards the fields below
	scanned  map[string]bool // folder paths indexed already
	folders  []*folder       // sorted by path, longest first
	defaults Options         // settings of the default folder, and of folders the client has none for
}

func newWorkspace() *workspace {
	return &workspace{defaults: DefaultOptions(), scanned: map[string]bool{}}
}

// scanWorkspace indexes the files of the folders not indexed yet.
func (s *server) scanWorkspace(ctx context.Context) {
	var todo []folder
	s.ws.mu.Lock()
	for _, f := range s.ws.folders {
		if !s.ws.scanned[f.Path] {
			s.ws.scanned[f.Path] = true
			todo = append(todo, *f)
		}
	}
	s.ws.mu.Unlock()
	s.wsIdx.scan(ctx, s.logger, todo)
	if s.cfg.onScanned != nil {
		s.cfg.onScanned()
	}
}

func (w *workspace) setInitial(fs []protocol.WorkspaceFolder, opts Options) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.defaults = opts
	w.folders = nil
	for _, f := range fs {
		w.addLocked(f)
	}
}

func (w *workspace) addLocked(f protocol.WorkspaceFolder) {
	p := uri.URI(f.URI).Filename()
	for _, have := range w.folders {
		if have.Path == p {
			return
		}
	}
	w.folders = append(w.folders, &folder{URI: protocol.DocumentURI(f.URI), Path: p, Name: f.Name, Opts: w.defaults})
	sort.Slice(w.folders, func(i, j int) bool { return len(w.folders[i].Path) > len(w.folders[j].Path) })
}

// list answers a copy of the folders.
func (w *workspace) list() []folder {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]folder, len(w.folders))
	for i, f := range w.folders {
		out[i] = *f
	}
	return out
}

// folderOf answers the folder holding path, or the default folder.
func (w *workspace) folderOf(path string) folder {
	w.mu.Lock()
	defer w.mu.Unlock()
	if path != "" {
		for _, f := range w.folders {
			if path == f.Path || strings.HasPrefix(path, f.Path+string(filepath.Separator)) {
				return *f
			}
		}
	}
	return folder{Opts: w.defaults}
}

// setOptions sets the defaults and, per folder path, the folders' options.
func (w *workspace) setOptions(defaults Options, perFolder map[string]Options) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.defaults = defaults
	for _, f := range w.folders {
		if o, ok := perFolder[f.Path]; ok {
			f.Opts = o
		} else {
			f.Opts = defaults
		}
	}
}

// parseOptions decodes raw (the `stui` section, or an object holding it under "stui") on
// top of base, and fills what is left unset or invalid with the defaults.
func parseOptions(base Options, raw json.RawMessage) (Options, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return base.normalized(), nil
	}
	var wrapper map[string]json.RawMessage
	if err := json.Unmarshal(raw, &wrapper); err != nil {
		return base.normalized(), fmt.Errorf("stui settings: %w", err)
	}
	if inner, ok := wrapper["stui"]; ok {
		raw = inner
	}
	opts := base
	if err := json.Unmarshal(raw, &opts); err != nil {
		return base.normalized(), fmt.Errorf("stui settings: %w", err)
	}
	return opts.normalized(), nil
}

// normalized answers o with zero or negative values replaced by the defaults.
func (o Options) normalized() Options {
	d := DefaultOptions()
	if o.Endpoint == "" {
		o.Endpoint = d.Endpoint
	}
	pos := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pos(&o.Deadlines.Request, d.Deadlines.Request)
	pos(&o.Deadlines.Evaluate, d.Deadlines.Evaluate)
	pos(&o.Deadlines.Hover, d.Deadlines.Hover)
	pos(&o.Budget.Bytes, d.Budget.Bytes)
	pos(&o.Budget.Elements, d.Budget.Elements)
	pos(&o.Budget.Depth, d.Budget.Depth)
	if o.Diagnostics.Delay < 0 {
		o.Diagnostics.Delay = d.Diagnostics.Delay
	}
	return o
}

func ms(v int) time.Duration { return time.Duration(v) * time.Millisecond }

func (o Options) requestDeadline() time.Duration  { return ms(o.Deadlines.Request) }
func (o Options) evaluateDeadline() time.Duration { return ms(o.Deadlines.Evaluate) }
func (o Options) hoverDeadline() time.Duration    { return ms(o.Deadlines.Hover) }
func (o Options) diagnosticDelay() time.Duration  { return ms(o.Diagnostics.Delay) }

// optionsFor answers the settings of the document's folder.
func (s *server) optionsFor(d *document) Options { return s.ws.folderOf(d.Path).Opts }

// configurationTimeout bounds a workspace/configuration round trip.
const configurationTimeout = 5 * time.Second

// loadConfiguration pulls the `stui` section for the default scope and every folder, when
// the client answers workspace/configuration; otherwise the initializationOptions (or the
// last didChangeConfiguration settings) stay. Then the live side follows the settings.
func (s *server) loadConfiguration(ctx context.Context) {
	// One at a time: each one ends by making the connections follow the settings as they
	// are then, so the last one wins.
	s.configMu.Lock()
	defer s.configMu.Unlock()
	defer s.scanWorkspace(ctx)
	defer s.live.reconfigure()
	s.stateMu.Lock()
	pull := s.clientCaps.Workspace != nil && s.clientCaps.Workspace.Configuration
	s.stateMu.Unlock()
	if !pull {
		return
	}
	folders := s.ws.list()
	items := []protocol.ConfigurationItem{{Section: "stui"}}
	for _, f := range folders {
		items = append(items, protocol.ConfigurationItem{ScopeURI: uri.URI(f.URI), Section: "stui"})
	}
	var result []json.RawMessage
	if err := s.call(ctx, configurationTimeout, protocol.MethodWorkspaceConfiguration, &protocol.ConfigurationParams{Items: items}, &result); err != nil {
		s.logger.Info("workspace/configuration failed; using initializationOptions", zap.Error(err))
		return
	}
	if len(result) != len(items) {
		s.logger.Warn("workspace/configuration answered the wrong number of items; using initializationOptions",
			zap.Int("asked", len(items)), zap.Int("got", len(result)))
		return
	}
	base := s.initialOptions()
	defaults, err := parseOptions(base, result[0])
	if err != nil {
		s.logger.Warn("invalid stui settings; using the defaults", zap.Error(err))
	}
	per := map[string]Options{}
	for i, f := range folders {
		o, err := parseOptions(defaults, result[i+1])
		if err != nil {
			s.logger.Warn("invalid stui settings for a folder; using the workspace's", zap.String("folder", f.Path), zap.Error(err))
		}
		per[f.Path] = o
	}
	s.ws.setOptions(defaults, per)
}

func (s *server) DidChangeConfiguration(ctx context.Context, params *protocol.DidChangeConfigurationParams) error {
	// Clients that push settings send them here, as {"stui": {...}}; clients that are
	// pulled from send null or an empty object, which changes nothing by itself.
	raw, _ := json.Marshal(params.Settings)
	if pushed, ok := stuiSection(raw); ok {
		if _, err := parseOptions(DefaultOptions(), pushed); err != nil {
			s.logger.Warn("didChangeConfiguration: invalid stui settings; keeping the current ones", zap.Error(err))
		} else {
			s.stateMu.Lock()
			s.pushedOpts = pushed
			s.stateMu.Unlock()
			s.ws.setOptions(s.initialOptions(), nil)
		}
	}
	go s.loadConfiguration(s.ctx)
	return nil
}

// stuiSection answers the stui section of pushed settings: the value of their "stui"
// key, or the settings themselves when they hold a key of the section.
func stuiSection(raw json.RawMessage) (json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil, false
	}
	if inner, ok := m["stui"]; ok {
		return inner, true
	}
	for _, k := range []string{"endpoint", "tokenFile", "deadlines", "budget", "image", "compileOnSave", "diagnostics"} {
		if _, ok := m[k]; ok {
			return raw, true
		}
	}
	return nil, false
}

func (s *server) DidChangeWorkspaceFolders(ctx context.Context, params *protocol.DidChangeWorkspaceFoldersParams) error {
	s.ws.mu.Lock()
	for _, r := range params.Event.Removed {
		p := uri.URI(r.URI).Filename()
		for i, f := range s.ws.folders {
			if f.Path == p {
				s.ws.folders = append(s.ws.folders[:i], s.ws.folders[i+1:]...)
				break
			}
		}
	}
	for _, a := range params.Event.Added {
		s.ws.addLocked(a)
	}
	s.ws.mu.Unlock()
	go s.loadConfiguration(s.ctx)
	return nil
}

// watchRegistration is the id of the file watcher stui-lsp registers.
const watchRegistration = "stui-watch-st"

// registerWatcher asks the client to watch the workspace's Smalltalk files
// (client/registerCapability for workspace/didChangeWatchedFiles), when it supports
// registering that dynamically. It is a server->client request: never call it inline
// from a notification handler.
func (s *server) registerWatcher(ctx context.Context) {
	s.stateMu.Lock()
	w := s.clientCaps.Workspace
	ok := w != nil && w.DidChangeWatchedFiles != nil && w.DidChangeWatchedFiles.DynamicRegistration
	s.stateMu.Unlock()
	if !ok {
		return
	}
	params := &protocol.RegistrationParams{Registrations: []protocol.Registration{{
		ID:     watchRegistration,
		Method: protocol.MethodWorkspaceDidChangeWatchedFiles,
		RegisterOptions: protocol.DidChangeWatchedFilesRegistrationOptions{
			Watchers: []protocol.FileSystemWatcher{{GlobPattern: "**/*.st"}},
		},
	}}}
	if err := s.call(ctx, clientCallTimeout, protocol.MethodClientRegisterCapability, params, nil); err != nil {
		s.logger.Info("the client did not register the file watcher; files changed outside the editor are indexed at the next start", zap.Error(err))
	}
}

// fileWatch queues watched-file events for one goroutine that indexes them in order, off
// the read loop.
type fileWatch struct {
	mu      sync.Mutex           // guards the fields below
	pending []protocol.FileEvent // in the order received
	running bool                 // a goroutine drains pending
}

// DidChangeWatchedFiles updates the workspace index for Smalltalk files created, changed
// or deleted on disk. Open documents are indexed from their text instead.
func (s *server) DidChangeWatchedFiles(ctx context.Context, params *protocol.DidChangeWatchedFilesParams) error {
	s.enqueueFileEvents(params.Changes)
	return nil
}

// enqueueFileEvents queues events for indexing, starting the goroutine that drains the
// queue when none runs.
func (s *server) enqueueFileEvents(events []*protocol.FileEvent) {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	for _, e := range events {
		if e != nil {
			s.watch.pending = append(s.watch.pending, *e)
		}
	}
	if s.watch.running || len(s.watch.pending) == 0 {
		return
	}
	s.watch.running = true
	go s.drainFileEvents()
}

func (s *server) drainFileEvents() {
	for {
		s.watch.mu.Lock()
		batch := s.watch.pending
		s.watch.pending = nil
		if len(batch) == 0 || s.ctx.Err() != nil {
			s.watch.running = false
			s.watch.mu.Unlock()
			return
		}
		s.watch.mu.Unlock()
		for _, e := range batch {
			s.indexFromDisk(e)
		}
		if s.cfg.onWatched != nil {
			s.cfg.onWatched()
		}
	}
}

// indexFromDisk brings the index entry of the file of a watched-file event in line with
// the disk: whatever the event says, a readable .st file is indexed and a missing one is
// dropped (with the files under it, for a deleted directory). Open documents are left
// alone (their text is indexed); files outside the workspace folders are only dropped
// (they are indexed while open).
func (s *server) indexFromDisk(e protocol.FileEvent) {
	if s.docs.get(protocol.DocumentURI(e.URI)) != nil {
		return
	}
	path, ok := filePath(protocol.DocumentURI(e.URI))
	if !ok {
		s.wsIdx.remove(string(e.URI)) // a closed document without a file
		return
	}
	if s.docs.get(protocol.DocumentURI(uri.File(path))) != nil {
		return
	}
	if s.ws.folderOf(path).Path == "" {
		s.wsIdx.remove(path)
		return
	}
	info, err := os.Stat(path)
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist):
		s.wsIdx.remove(path)
	case err != nil:
		s.logger.Info("a watched file cannot be read; its index entry is kept", zap.String("path", path), zap.Error(err))
	case info.IsDir() || !strings.HasSuffix(path, ".st"):
	case info.Size() > maxIndexedSize:
		s.wsIdx.remove(path)
	default:
		src, err := os.ReadFile(path)
		if err != nil {
			s.logger.Info("a watched file cannot be read; its index entry is kept", zap.String("path", path), zap.Error(err))
			return
		}
		s.wsIdx.indexFile(path, protocol.DocumentURI(uri.File(path)), smalltalk.Parse(src, smalltalk.KindOf(path, src)), position.NewMapper(src))
	}
}
