package lsptest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stui-dev/stui/bridge/bridgetest"
)

// binary is the stui-lsp built by TestMain for every test of the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lsptest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	binary, err = Build(ctx, dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// deadline bounds every wait of a test.
const deadline = 20 * time.Second

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx
}

// tokenFile writes tok to a file of the test and answers its path.
func tokenFile(t testing.TB, tok string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// env is a stui-lsp binary connected to a fake image, with n workspace folders.
type env struct {
	img     *bridgetest.Server
	c       *Client
	folders []Folder
	logfile string
	state   string // XDG_STATE_HOME of the binary
}

type setup struct {
	folders  int
	imgOpts  []bridgetest.Option
	settings map[string]any // added to endpoint and tokenFile
	args     []string
	noWait   bool // do not wait for stui/status connected
}

// start starts a fake image and stui-lsp, opens the folders' documents and defines their
// variables. Everything is released by t.Cleanup; the binary must exit cleanly.
func start(t testing.TB, s setup) *env {
	t.Helper()
	e := &env{img: bridgetest.NewServer(t, s.imgOpts...)}
	dir := t.TempDir()
	var err error
	if e.folders, err = NewFolders(dir, max(s.folders, 1)); err != nil {
		t.Fatal(err)
	}
	settings := map[string]any{"endpoint": e.img.Endpoint(), "tokenFile": tokenFile(t, e.img.Token())}
	for k, v := range s.settings {
		settings[k] = v
	}
	e.logfile = filepath.Join(dir, "stui-lsp.log")
	if d := os.Getenv("LSPTEST_LOGDIR"); d != "" {
		e.logfile = filepath.Join(d, "stui-lsp.log")
	}
	e.state = filepath.Join(dir, "state")
	args := append([]string{"-logfile", e.logfile}, s.args...)
	ctx := testCtx(t)
	e.c, err = StartBinary(ctx, binary, Options{Folders: Dirs(e.folders), Settings: settings}, []string{"XDG_STATE_HOME=" + e.state}, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		if err := e.c.Close(ctx); err != nil && !t.Failed() {
			t.Errorf("stui-lsp did not end cleanly: %v\nstderr:\n%s", err, e.c.Stderr())
		}
	})
	if s.noWait {
		return e
	}
	if _, _, err := e.c.WaitFor(ctx, 0, Status("connected")); err != nil {
		t.Fatalf("stui-lsp never connected to the fake image: %v", err)
	}
	for _, f := range e.folders {
		if err := f.Open(ctx, e.c); err != nil {
			t.Fatalf("opening folder %d: %v", f.Index, err)
		}
	}
	return e
}
