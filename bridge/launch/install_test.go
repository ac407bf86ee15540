package launch_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stui-dev/stui/bridge/launch"
)

type zipEntry struct {
	name string
	body string
	mode os.FileMode
}

func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// filesServer serves small fake Pharo archives at the paths files.pharo.org uses.
func filesServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	downloads, err := launch.Downloads("http://files.test", t.TempDir())
	if err != nil {
		t.Skipf("no Pharo VM for this platform: %v", err)
	}
	vmPath := strings.TrimPrefix(downloads[0].URL, "http://files.test")
	imagePath := strings.TrimPrefix(downloads[1].URL, "http://files.test")
	vmZip := makeZip(t,
		zipEntry{name: "pharo", body: "#!/bin/sh\nexec \"$(dirname \"$0\")/lib/pharo\" \"$@\"\n", mode: 0o755},
		zipEntry{name: "lib/pharo", body: "fake vm binary", mode: 0o755},
		zipEntry{name: "lib/libPharoVMCore.so", body: "fake library", mode: 0o644},
	)
	imageZip := makeZip(t,
		zipEntry{name: "Pharo12.0-SNAPSHOT-64bit-abc123.image", body: "fake image", mode: 0o644},
		zipEntry{name: "Pharo12.0-SNAPSHOT-64bit-abc123.changes", body: "", mode: 0o644},
		zipEntry{name: "Pharo12.0-64bit-abc123.sources", body: "", mode: 0o644},
	)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case vmPath:
			w.Write(vmZip)
		case imagePath:
			w.Write(imageZip)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestInstallDownloadsVMAndImage(t *testing.T) {
	srv, hits := filesServer(t)
	dir := filepath.Join(t.TempDir(), "stui", "pharo")
	vm, image, err := launch.Install(context.Background(), srv.Client(), srv.URL, dir, nil)
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	if hits.Load() != 2 {
		t.Errorf("%d requests, want 2 (VM and image)", hits.Load())
	}
	if vm != filepath.Join(dir, "vm", "pharo") {
		t.Errorf("vm = %s, want %s", vm, filepath.Join(dir, "vm", "pharo"))
	}
	if fi, err := os.Stat(vm); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("the VM is not an executable file: %v %v", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "vm", "lib", "pharo")); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("the executable bit of lib/pharo was lost: %v %v", fi, err)
	}
	if want := filepath.Join(dir, "image", "Pharo12.0-SNAPSHOT-64bit-abc123.image"); image != want {
		t.Errorf("image = %s, want %s", image, want)
	}
	gotVM, gotImage, err := launch.Find(dir)
	if err != nil || gotVM != vm || gotImage != image {
		t.Errorf("Find = %s, %s, %v; want what Install answered", gotVM, gotImage, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".install-*"))
	if len(leftovers) != 0 {
		t.Errorf("staging directories left behind: %v", leftovers)
	}
	// A second install replaces the first.
	if _, _, err := launch.Install(context.Background(), srv.Client(), srv.URL, dir, nil); err != nil {
		t.Fatalf("second Install: %v", err)
	}
}

func TestInstallOfflineNamesWhatToDownload(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	dir := filepath.Join(t.TempDir(), "pharo")
	_, _, err = launch.Install(context.Background(), nil, base, dir, nil)
	var ierr *launch.InstallError
	if !errors.As(err, &ierr) {
		t.Fatalf("Install = %v, want an *InstallError", err)
	}
	downloads, _ := launch.Downloads(base, dir)
	msg := err.Error()
	for _, d := range downloads {
		if !strings.Contains(msg, d.URL) || !strings.Contains(msg, d.Dir) {
			t.Errorf("the error does not name %s and %s:\n%s", d.URL, d.Dir, msg)
		}
	}
	for _, sub := range []string{"vm", "image"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); !os.IsNotExist(err) {
			t.Errorf("%s/%s exists after a failed install", dir, sub)
		}
	}
	if _, _, err := launch.Find(dir); !errors.Is(err, launch.ErrNotInstalled) {
		t.Errorf("Find after a failed install = %v, want ErrNotInstalled", err)
	}
}

func TestInstallRefusesAMissingArchive(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	_, _, err := launch.Install(context.Background(), srv.Client(), srv.URL, t.TempDir(), nil)
	var ierr *launch.InstallError
	if !errors.As(err, &ierr) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("Install = %v, want an *InstallError saying 404", err)
	}
}

func TestInstallRefusesEntriesOutsideItsDirectory(t *testing.T) {
	evil := makeZip(t, zipEntry{name: "../../evil", body: "x", mode: 0o644})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(evil) }))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "a", "b")
	_, _, err := launch.Install(context.Background(), srv.Client(), srv.URL, dir, nil)
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("Install = %v, want a refusal of ../../evil", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "..", "evil")); !os.IsNotExist(err) {
		t.Error("the archive wrote outside its directory")
	}
}

func TestDataDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	got, err := launch.DataDir(env(map[string]string{"XDG_DATA_HOME": "/data", "HOME": "/home/u"}))
	if err != nil || got != filepath.Join("/data", "stui", "pharo") {
		t.Errorf("with XDG_DATA_HOME: %s, %v", got, err)
	}
	got, err = launch.DataDir(env(map[string]string{"XDG_DATA_HOME": "relative", "HOME": "/home/u"}))
	if err != nil || got != filepath.Join("/home/u", ".local", "share", "stui", "pharo") {
		t.Errorf("with a relative XDG_DATA_HOME (ignored, as the spec says): %s, %v", got, err)
	}
}

func TestDownloadsArePharo12(t *testing.T) {
	downloads, err := launch.Downloads("", "/d")
	if err != nil {
		t.Skipf("no Pharo VM for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	if !strings.HasPrefix(downloads[0].URL, "https://files.pharo.org/get-files/120/pharo-vm-") || downloads[0].Dir != filepath.Join("/d", "vm") {
		t.Errorf("VM download %+v", downloads[0])
	}
	if downloads[1].URL != "https://files.pharo.org/image/120/latest-64.zip" || downloads[1].Dir != filepath.Join("/d", "image") {
		t.Errorf("image download %+v", downloads[1])
	}
}
