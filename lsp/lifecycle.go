package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"
)

// state is the server's place in the LSP lifecycle.
type state int

const (
	stateUninitialized state = iota // before initialize
	stateInitialized                // initialize answered
	stateShutdown                   // shutdown answered: only exit is accepted
	stateExited                     // exit received
)

func (s state) String() string {
	switch s {
	case stateUninitialized:
		return "uninitialized"
	case stateInitialized:
		return "initialized"
	case stateShutdown:
		return "shut down"
	case stateExited:
		return "exited"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

func (s *server) lifecycle() state {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.state
}

func (s *server) shutdownSeen() bool {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.shutdown
}

// admit answers the error for a request the lifecycle does not allow now, or nil.
func (s *server) admit(method string) error {
	st := s.lifecycle()
	switch {
	case st == stateUninitialized && method != protocol.MethodInitialize:
		return jsonrpc2.Errorf(jsonrpc2.ServerNotInitialized, "stui-lsp: %s before initialize", method)
	case st != stateUninitialized && method == protocol.MethodInitialize:
		return jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "stui-lsp: initialize sent twice")
	case st >= stateShutdown:
		return jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "stui-lsp: %s after shutdown", method)
	}
	return nil
}

// admitNotification says whether a notification is handled in the current state: before
// initialize only exit is, after shutdown only exit is.
func (s *server) admitNotification(method string) bool {
	if method == protocol.MethodExit {
		return true
	}
	st := s.lifecycle()
	return st == stateInitialized
}

func (s *server) Initialize(ctx context.Context, params *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	s.stateMu.Lock()
	s.state = stateInitialized
	s.clientCaps = params.Capabilities
	if params.InitializationOptions != nil {
		s.initOpts, _ = json.Marshal(params.InitializationOptions)
	}
	s.stateMu.Unlock()

	folders := params.WorkspaceFolders
	if len(folders) == 0 && params.RootURI != "" {
		folders = []protocol.WorkspaceFolder{{URI: string(params.RootURI), Name: uri.URI(params.RootURI).Filename()}}
	}
	if len(folders) == 0 && params.RootPath != "" {
		folders = []protocol.WorkspaceFolder{{URI: string(uri.File(params.RootPath)), Name: params.RootPath}}
	}
	s.ws.setInitial(folders, s.initialOptions())
	s.logger.Info("initialize", zap.Int("folders", len(folders)))

	version := s.cfg.Version
	if version == "" {
		version = "devel"
	}
	commands := make([]string, len(Commands))
	for i, c := range Commands {
		commands[i] = string(c)
	}
	return &protocol.InitializeResult{
		ServerInfo: &protocol.ServerInfo{Name: "stui-lsp", Version: version},
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindIncremental,
				Save:      &protocol.SaveOptions{IncludeText: true},
			},
			HoverProvider:           true,
			CompletionProvider:      &protocol.CompletionOptions{TriggerCharacters: []string{" ", ":"}},
			DefinitionProvider:      true,
			ReferencesProvider:      true,
			DocumentSymbolProvider:  true,
			WorkspaceSymbolProvider: true,
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{codeActionEvaluate},
			},
			ExecuteCommandProvider: &protocol.ExecuteCommandOptions{Commands: commands},
			FoldingRangeProvider:   true,
			SelectionRangeProvider: true,
			Workspace: &protocol.ServerCapabilitiesWorkspace{
				WorkspaceFolders: &protocol.ServerCapabilitiesWorkspaceFolders{
					Supported:           true,
					ChangeNotifications: true,
				},
			},
		},
	}, nil
}

func (s *server) Initialized(ctx context.Context, params *protocol.InitializedParams) error {
	// Configuration is pulled from the client, and the file watcher registered with it:
	// server->client calls, so not inline.
	go s.loadConfiguration(s.ctx)
	go s.registerWatcher(s.ctx)
	return nil
}

// markShutdown records the shutdown request; the handler then releases the images.
func (s *server) markShutdown() {
	s.stateMu.Lock()
	s.state = stateShutdown
	s.shutdown = true
	s.stateMu.Unlock()
}

func (s *server) Shutdown(ctx context.Context) error {
	s.markShutdown()
	s.live.close()
	return nil
}

func (s *server) Exit(ctx context.Context) error {
	s.stateMu.Lock()
	s.state = stateExited
	s.stateMu.Unlock()
	// Let the requests in flight (shutdown's among them) write their replies, within a
	// bound, then close the connection, which ends Serve.
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	t := time.NewTimer(exitGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.logger.Warn("exit: requests still running are abandoned")
	}
	return s.conn.Close()
}

// exitGrace bounds how long exit waits for the replies of requests in flight.
const exitGrace = 2 * time.Second

// initialOptions answers the options given in initializationOptions and then pushed
// with didChangeConfiguration, on the defaults.
func (s *server) initialOptions() Options {
	s.stateMu.Lock()
	raw, pushed := s.initOpts, s.pushedOpts
	s.stateMu.Unlock()
	opts, err := parseOptions(DefaultOptions(), raw)
	if err != nil {
		s.logger.Warn("initializationOptions are not valid stui settings; using the defaults", zap.Error(err))
		opts = DefaultOptions()
	}
	if pushed != nil {
		if p, err := parseOptions(opts, pushed); err == nil {
			opts = p
		}
	}
	return opts
}

func (s *server) SetTrace(ctx context.Context, params *protocol.SetTraceParams) error { return nil }

func (s *server) LogTrace(ctx context.Context, params *protocol.LogTraceParams) error { return nil }
