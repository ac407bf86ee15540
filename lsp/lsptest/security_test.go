package lsptest

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
	"github.com/stui-dev/stui/lsp"
)

// TestSecurityDefaultEndpointIsLoopback checks the defaults every client falls back to:
// stui-lsp's setting, the bridge's default, and the fake image all use 127.0.0.1. The
// Pharo side's default bind is checked by pharo/'s SUnit tests.
func TestSecurityDefaultEndpointIsLoopback(t *testing.T) {
	for _, ep := range []struct{ what, endpoint string }{
		{"lsp.DefaultOptions().Endpoint", lsp.DefaultOptions().Endpoint},
		{"bridge.DefaultEndpoint", bridge.DefaultEndpoint},
		{"bridgetest.NewServer(t).Endpoint()", bridgetest.NewServer(t).Endpoint()},
	} {
		u, err := url.Parse(ep.endpoint)
		if err != nil {
			t.Fatalf("%s = %q: %v", ep.what, ep.endpoint, err)
		}
		ip := net.ParseIP(u.Hostname())
		if ip == nil || !ip.IsLoopback() {
			t.Errorf("%s = %q, want a loopback address", ep.what, ep.endpoint)
		}
	}
}

// TestSecurityWrongOrMissingToken: stui-lsp with a wrong token, or none, is refused by
// the image (Unauthorized) before anything runs, and the user is told.
func TestSecurityWrongOrMissingToken(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings func(t *testing.T) map[string]any
	}{
		{"wrong token", func(t *testing.T) map[string]any { return map[string]any{"tokenFile": tokenFile(t, "not-the-token")} }},
		{"no token", func(t *testing.T) map[string]any { return map[string]any{"tokenFile": ""} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(bridge.TokenEnv, "") // the binary inherits the environment
			e := start(t, setup{folders: 1, settings: tc.settings(t), noWait: true})
			f := e.folders[0]
			ctx := testCtx(t)
			if err := e.c.Open(ctx, f.URI, f.Text); err != nil {
				t.Fatal(err)
			}
			err := f.Do(ctx, e.c, OpPrintIt, 1)
			if errorCode(err) != codeRequestFailed || !strings.Contains(err.Error(), "Unauthorized") {
				t.Fatalf("Print it with a %s answered %v, want RequestFailed saying Unauthorized", tc.name, err)
			}
			for _, r := range e.img.Requests() {
				if r.Token == e.img.Token() {
					t.Errorf("a request carried the image's token: %+v", r)
				}
			}
			// Nothing was evaluated: the fake image answers Unauthorized before anything.
			if strings.Contains(e.c.Stderr(), e.img.Token()) {
				t.Error("the image's token appears in stui-lsp's stderr")
			}
		})
	}
}

// TestSecurityHoverNeverEvaluates hovers over every position of documents full of code
// with side effects: the image receives no evaluate, inspect, compile or session change,
// only read-only commands.
func TestSecurityHoverNeverEvaluates(t *testing.T) {
	e := start(t, setup{folders: 1})
	f := e.folders[0]
	ctx := testCtx(t)
	docs := map[string]string{
		"evil.st":       "Smalltalk snapshot: false andQuit: true.\nx := Object new.\nx halt.\n'rm -rf /' asFileReference deleteAll.\n#(1 2 3) do: [:each | Transcript show: each printString].\nv1 := v1 + 1.\n",
		"Evil.class.st": "Class {\n\t#name : #Evil,\n\t#superclass : #Object,\n\t#category : #Evil\n}\n\n{ #category : #accessing }\nEvil >> boom [\n\t^ Smalltalk at: #Foo put: (3 + 4) factorial\n]\n",
	}
	before := len(e.img.Requests())
	for name, text := range docs {
		u := FileURI(filepath.Join(f.Dir, name))
		if err := e.c.Open(ctx, u, text); err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(text, "\n") {
			for ch := range len(line) + 1 {
				if _, err := e.c.Hover(ctx, u, protocol.Position{Line: uint32(i), Character: uint32(ch)}); err != nil {
					t.Fatalf("hover at %s:%d:%d: %v", name, i, ch, err)
				}
			}
		}
	}
	readOnly := []bridge.Command{bridge.Ping, bridge.DescribeClass, bridge.MethodSource, bridge.Implementors,
		bridge.Senders, bridge.Complete, bridge.GetVariable, bridge.ListClasses, bridge.ListSelectors,
		bridge.SystemInfo, bridge.GetSessionInfo, bridge.RestoreSession}
	seen := map[bridge.Command]int{}
	for _, r := range e.img.Requests()[before:] {
		seen[r.Command]++
		if !slices.Contains(readOnly, r.Command) {
			t.Errorf("a hover sent %s to the image: %s", r.Command, r.Parameters)
		}
	}
	t.Logf("the hovers sent %v", seen)
	if seen[bridge.GetVariable] == 0 || seen[bridge.DescribeClass] == 0 {
		t.Errorf("the hovers sent %v; want get_variable and describe_class among them (the test hovers over variables and classes)", seen)
	}
}

// TestSecurityTokenStaysPut runs two images with different tokens, one per workspace
// folder, through faults and errors, with debug logging: each image sees only its own
// token, and no token appears in stui-lsp's log file, its stderr, the session state
// file, or anything sent to the editor.
func TestSecurityTokenStaysPut(t *testing.T) {
	other := bridgetest.NewServer(t)
	otherTok := tokenFile(t, other.Token())
	e := start(t, setup{folders: 2, args: []string{"-log-level", "debug"}, noWait: true})
	f1 := e.folders[1]
	// Folder 1 uses the other image.
	e.c.SetFolderSettings(f1.Dir, map[string]any{"endpoint": other.Endpoint(), "tokenFile": otherTok})
	ctx := testCtx(t)
	if err := e.c.Notify(ctx, protocol.MethodWorkspaceDidChangeConfiguration, &protocol.DidChangeConfigurationParams{}); err != nil {
		t.Fatal(err)
	}
	// Wait until both images were reached.
	for _, img := range []*bridgetest.Server{e.img, other} {
		if err := img.WaitFor(ctx, func(r bridge.Request) bool { return r.Command == bridge.Ping }); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.c.Open(ctx, e.folders[0].URI, e.folders[0].Text); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Open(ctx, f1.URI, f1.Text); err != nil {
		t.Fatal(err)
	}
	for _, f := range e.folders {
		for _, op := range Ops {
			// Some may fail while the settings settle; what matters is where tokens go.
			_ = f.Do(ctx, e.c, op, 1)
		}
		_ = f.Do(ctx, e.c, OpPrintIt, 2)
	}
	e.img.SetFault(bridgetest.Garbage)
	_ = e.folders[0].Do(ctx, e.c, OpPrintIt, 3)
	e.img.SetFault(bridgetest.NoFault)
	for i, img := range []*bridgetest.Server{e.img, other} {
		if err := img.WaitFor(ctx, func(r bridge.Request) bool { return r.Command == bridge.Evaluate }); err != nil {
			t.Fatalf("folder %d's Print it never reached its image: %v", i, err)
		}
	}

	tokens := map[string]string{"image 0": e.img.Token(), "image 1": other.Token()}
	for name, img := range map[string]*bridgetest.Server{"image 0": e.img, "image 1": other} {
		for _, r := range img.Requests() {
			if r.Token != tokens[name] {
				t.Errorf("%s received a request with token %q, not its own: %s", name, r.Token, r.Command)
			}
		}
	}
	ctxClose, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	_ = e.c.Close(ctxClose)
	places := map[string]string{"stderr": e.c.Stderr()}
	for _, m := range e.c.Received(0) {
		places["the LSP message "+m.Method] += string(m.Params)
	}
	_ = filepath.WalkDir(e.state, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			places[p] = string(b)
		}
		return nil
	})
	log, err := os.ReadFile(e.logfile)
	if err != nil || len(log) == 0 {
		t.Fatalf("no debug log at %s: %v", e.logfile, err)
	}
	places["the log file"] = string(log)
	for where, text := range places {
		for name, tok := range tokens {
			if strings.Contains(text, tok) {
				t.Errorf("the token of %s appears in %s", name, where)
			}
		}
	}
	t.Logf("checked %d places, %d bytes of debug log", len(places), len(log))
}
