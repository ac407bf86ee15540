package lsp

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stui-dev/stui/bridge/launch/launchtest"
)

// TestSupervisorRestartsKilledVM starts the fake Pharo VM of bridge/launch through the
// real launcher, kills it, and checks that stui-lsp starts it again, then stops it at
// shutdown.
func TestSupervisorRestartsKilledVM(t *testing.T) {
	vm, image := launchtest.FakeVM(t), launchtest.Image(t)
	pidfile := filepath.Join(t.TempDir(), "pid")
	t.Setenv("FAKEVM_PIDFILE", pidfile)
	t.Setenv("STUI_TOKEN", "") // stui-lsp chooses the token of an image it starts
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "tcp://" + ln.Addr().String()
	ln.Close()
	readPid := func() int {
		b, err := os.ReadFile(pidfile)
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	c := startServer(t, testOptions{initOpts: map[string]any{
		"endpoint": endpoint,
		"image":    map[string]any{"path": image, "vm": vm},
	}})
	_, i := c.waitFor(0, status("connected"))
	first := readPid()
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, i = c.waitFor(i, status("disconnected"))
	c.waitFor(i, status("connected"))
	second := readPid()
	if second == first {
		t.Fatalf("the image was not started again (pid %d)", first)
	}
	c.call("shutdown", nil, nil)
	if err := syscall.Kill(second, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after shutdown the VM (pid %d) still runs: %v", second, err)
	}
}
