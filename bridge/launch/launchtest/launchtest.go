// Package launchtest builds the fake Pharo VM that the tests of package launch and of
// `stui pharo` run instead of a real one (see bridge/launch/internal/fakevm for what it
// does). It is test-only code.
package launchtest

import (
	"context"
	"fmt"
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
)

// FakeVM answers the path of the fake VM, building it once per test process (with the go
// command that runs the tests). The binary is kept at one path in the temporary directory,
// replaced atomically by each build, so test runs neither pile up binaries nor disturb one
// another.
func FakeVM(t testing.TB) string {
	t.Helper()
	once.Do(func() { vm, vmErr = build() })
	if vmErr != nil {
		t.Fatalf("launchtest: building the fake VM: %v", vmErr)
	}
	return vm
}

func build() (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("stui-fakevm-%d", os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	tmp.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", tmp.Name(), "github.com/stui-dev/stui/bridge/launch/internal/fakevm").CombinedOutput()
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("%v: %s", err, out)
	}
	final := filepath.Join(dir, "fakevm")
	if err := os.Rename(tmp.Name(), final); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return final, nil
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
