package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stui-dev/stui/bridge/launch"
	"github.com/stui-dev/stui/bridge/launch/launchtest"
)

// syncBuffer is a bytes.Buffer safe for the VM's output goroutines, which also tells when
// a line containing want has been written.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	want  string
	found chan struct{}
	once  sync.Once
}

func newSyncBuffer(want string) *syncBuffer {
	return &syncBuffer{want: want, found: make(chan struct{})}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.want != "" && strings.Contains(b.buf.String(), b.want) {
		b.once.Do(func() { close(b.found) })
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func pharoEnv(vars map[string]string, stdout, stderr *syncBuffer) *Env {
	return &Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return vars[k] }}
}

func TestPharoServeRunsUntilInterrupted(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	t.Setenv("FAKEVM_PIDFILE", pidFile) // the VM inherits the process environment
	vars := map[string]string{"STUI_TOKEN": "secret", "XDG_DATA_HOME": t.TempDir()}
	stdout, stderr := newSyncBuffer("STUI ready on tcp://127.0.0.1:"), newSyncBuffer("")
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	code := make(chan int, 1)
	go func() {
		code <- runPharo(ctx, pharoEnv(vars, stdout, stderr), []string{"serve",
			"--vm", launchtest.FakeVM(t), "--image", launchtest.Image(t), "--port", "0", "--stop-timeout", "5s"})
	}()
	select {
	case <-stdout.found:
	case c := <-code:
		t.Fatalf("stui pharo serve exited with %d before its ready line\nstdout:\n%s\nstderr:\n%s", c, stdout, stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("no ready line within 30s\nstderr:\n%s", stderr)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(b))
	interrupt() // what SIGINT does to cli.Main's context
	select {
	case c := <-code:
		if c != ExitOK {
			t.Errorf("exit code %d after an interrupt, want 0\nstderr:\n%s", c, stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("stui pharo serve did not return within 20s of the interrupt")
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("the VM (pid %d) outlived stui pharo serve", pid)
	}
	if !strings.Contains(stderr.String(), "SIGTERM") {
		t.Errorf("the VM was not sent SIGTERM; stderr:\n%s", stderr)
	}
}

func TestPharoServeReportsAVMThatFails(t *testing.T) {
	t.Setenv("FAKEVM_MODE", "exit")
	vars := map[string]string{"STUI_TOKEN": "secret"}
	stdout, stderr := newSyncBuffer(""), newSyncBuffer("")
	c := runPharo(context.Background(), pharoEnv(vars, stdout, stderr), []string{"serve",
		"--vm", launchtest.FakeVM(t), "--image", launchtest.Image(t), "--port", "0"})
	if c != ExitUnreachable {
		t.Errorf("exit code %d, want %d", c, ExitUnreachable)
	}
	if !strings.Contains(stderr.String(), "STUI failed to start") || stdout.String() != "" {
		t.Errorf("stdout %q, stderr:\n%s", stdout, stderr)
	}
}

func TestPharoServeMakesAToken(t *testing.T) {
	data := t.TempDir()
	vars := map[string]string{"XDG_DATA_HOME": data}
	stdout, stderr := newSyncBuffer("STUI ready on"), newSyncBuffer("")
	ctx, interrupt := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- runPharo(ctx, pharoEnv(vars, stdout, stderr), []string{"serve",
			"--vm", launchtest.FakeVM(t), "--image", launchtest.Image(t), "--port", "0"})
	}()
	select {
	case <-stdout.found:
	case c := <-code:
		t.Fatalf("exited with %d\nstderr:\n%s", c, stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("no ready line within 30s")
	}
	interrupt()
	<-code
	tokenFile := filepath.Join(data, "stui", "token")
	fi, err := os.Stat(tokenFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file %s: %v %v, want mode 0600", tokenFile, fi, err)
	}
	if !strings.Contains(stderr.String(), tokenFile) {
		t.Errorf("stderr does not name the token file:\n%s", stderr)
	}
}

func TestPharoServeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"pharo"},
		{"pharo", "frobnicate"},
		{"pharo", "serve", "--transport", "carrier-pigeon"},
		{"pharo", "serve", "--port", "70000"},
		{"pharo", "serve", "extra"},
	} {
		c, _, _ := runStui(t, map[string]string{"STUI_TOKEN": "t"}, "", args...)
		if c != ExitUsage {
			t.Errorf("stui %s: exit %d, want %d", strings.Join(args, " "), c, ExitUsage)
		}
	}
	c, _, errOut := runStui(t, map[string]string{"STUI_TOKEN": "t", "XDG_DATA_HOME": t.TempDir(), "PATH": ""}, "", "pharo", "serve", "--vm", "/nonexistent/pharo")
	if c != ExitUsage || !strings.Contains(errOut, "no Pharo image") {
		t.Errorf("without an image: exit %d, stderr %q", c, errOut)
	}
}

func TestPharoInstall(t *testing.T) {
	downloads, err := launch.Downloads("", "/")
	if err != nil {
		t.Skipf("no Pharo VM for this platform: %v", err)
	}
	vmPath := strings.TrimPrefix(downloads[0].URL, launch.FilesURL)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "Pharo12.image"
		if r.URL.Path == vmPath {
			name = "pharo"
		}
		w.Write(zipOf(t, name))
	}))
	defer srv.Close()
	dir := t.TempDir()
	c, out, errOut := runStui(t, nil, "", "pharo", "install", "--dir", dir, "--files-url", srv.URL)
	if c != ExitOK {
		t.Fatalf("exit %d\n%s", c, errOut)
	}
	if !strings.Contains(out, filepath.Join(dir, "vm", "pharo")) || !strings.Contains(out, filepath.Join(dir, "image", "Pharo12.image")) {
		t.Errorf("stdout does not name the VM and image:\n%s", out)
	}
}

func TestPharoInstallOffline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close()
	data := t.TempDir()
	c, _, errOut := runStui(t, map[string]string{"XDG_DATA_HOME": data}, "", "pharo", "install", "--files-url", base)
	if c != ExitUnreachable {
		t.Errorf("exit %d, want %d", c, ExitUnreachable)
	}
	downloads, _ := launch.Downloads(base, filepath.Join(data, "stui", "pharo"))
	for _, d := range downloads {
		if !strings.Contains(errOut, d.URL) || !strings.Contains(errOut, d.Dir) {
			t.Errorf("stderr does not say to put %s into %s:\n%s", d.URL, d.Dir, errOut)
		}
	}
}

func TestPharoTestSkipsWithoutPharo(t *testing.T) {
	c, out, _ := runStui(t, nil, "", "pharo", "test")
	if c != ExitOK || strings.Count(out, "\n") != 1 || !strings.Contains(out, "skipped") {
		t.Errorf("exit %d, stdout %q; want 0 and one line saying it skipped", c, out)
	}
}

func TestPharoTestRunsTheVM(t *testing.T) {
	vm, image := launchtest.FakeVM(t), launchtest.Image(t)
	vars := map[string]string{"STUI_PHARO_VM": vm, "STUI_PHARO_IMAGE": image}
	c, out, errOut := runStui(t, vars, "", "pharo", "test")
	if c != ExitOK || !strings.Contains(out, "STUI tests: 3 run, 3 passes") {
		t.Errorf("passing tests: exit %d\nstdout:\n%s\nstderr:\n%s", c, out, errOut)
	}
	t.Setenv("FAKEVM_TEST_STATUS", "1")
	c, out, _ = runStui(t, vars, "", "pharo", "test")
	if c != ExitSmalltalk || !strings.Contains(out, "FAIL") {
		t.Errorf("failing tests: exit %d, want %d\nstdout:\n%s", c, ExitSmalltalk, out)
	}
	if b, err := os.ReadFile(image); err != nil || len(b) != 0 {
		t.Errorf("the user's image was changed: %v", err)
	}
}

// zipOf answers a zip archive holding one executable file named name.
func zipOf(t *testing.T, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name}
	h.SetMode(0o755)
	f, err := w.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("fake"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
