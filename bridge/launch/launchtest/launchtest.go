// Package launchtest builds the fake Pharo VM that the tests of package launch and of
// `stui pharo` run instead of a real one (see bridge/launch/internal/fakevm for what it
// does). It is test-only code.
package launchtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	once  sync.Once
	vm    string
	vmErr error
	dir   string
)

// FakeVM answers the path of the fake VM, building it on first use (with the go command
// that runs the tests). The binary lives until the test process ends.
func FakeVM(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		dir, vmErr = os.MkdirTemp("", "stui-fakevm-")
		if vmErr != nil {
			return
		}
		vm = filepath.Join(dir, "fakevm")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", vm, "github.com/stui-dev/stui/bridge/launch/internal/fakevm")
		out, err := cmd.CombinedOutput()
		if err != nil {
			vmErr = &buildError{err: err, out: string(out)}
		}
	})
	if vmErr != nil {
		t.Fatalf("launchtest: building the fake VM: %v", vmErr)
	}
	return vm
}

// Image answers an empty file that stands for an image.
func Image(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Fake.image")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }
