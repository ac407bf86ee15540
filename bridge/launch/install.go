package launch

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"go.uber.org/zap"
)

// FilesURL is the root of Pharo's official downloads (see https://pharo.org/download).
const FilesURL = "https://files.pharo.org"

// Download is one archive to fetch and where its contents go.
type Download struct {
	URL string // the zip archive
	Dir string // unzipped into this directory
}

// Downloads answers the archives of a Pharo 12 VM for this platform and a Pharo 12 image,
// from base (FilesURL when empty), unzipped under dir: the VM into dir/vm, the image into
// dir/image.
func Downloads(base, dir string) ([]Download, error) {
	if base == "" {
		base = FilesURL
	}
	base = strings.TrimRight(base, "/")
	platform, err := vmPlatform(runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return nil, err
	}
	return []Download{
		{URL: base + "/get-files/120/pharo-vm-" + platform + "-stable.zip", Dir: filepath.Join(dir, "vm")},
		{URL: base + "/image/120/latest-64.zip", Dir: filepath.Join(dir, "image")},
	}, nil
}

func vmPlatform(goos, goarch string) (string, error) {
	switch goos + "/" + goarch {
	case "linux/amd64":
		return "Linux-x86_64", nil
	case "linux/arm64":
		return "Linux-aarch64", nil
	case "darwin/amd64":
		return "Darwin-x86_64", nil
	case "darwin/arm64":
		return "Darwin-arm64", nil
	case "windows/amd64":
		return "Windows-x86_64", nil
	}
	return "", fmt.Errorf("launch: Pharo publishes no VM for %s/%s", goos, goarch)
}

// DataDir answers where stui keeps its Pharo: $XDG_DATA_HOME/stui/pharo, or
// ~/.local/share/stui/pharo. getenv is os.Getenv in production.
func DataDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "stui", "pharo"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("launch: no home directory for the Pharo data directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "share", "stui", "pharo"), nil
}

// InstallError is Install's error when a download fails: it names every archive and the
// directory to unzip it into, so that a person can fetch them on another machine.
type InstallError struct {
	Failed    Download
	Err       error
	Downloads []Download
}

func (e *InstallError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot download %s: %v\n", e.Failed.URL, e.Err)
	b.WriteString("On a machine with internet access, download these archives and unzip each into its directory here:\n")
	for _, d := range e.Downloads {
		fmt.Fprintf(&b, "  %s\n    -> %s\n", d.URL, d.Dir)
	}
	b.WriteString("then run `stui pharo serve` (it finds the VM and the image there), or name them with --vm and --image.")
	return b.String()
}

func (e *InstallError) Unwrap() error { return e.Err }

// Install downloads the Pharo 12 VM and image into dir, replacing what was there only
// once both archives are in. client nil means http.DefaultClient; base "" means FilesURL.
// It answers the installed VM and image.
func Install(ctx context.Context, client *http.Client, base, dir string, log *zap.Logger) (vm, image string, err error) {
	if client == nil {
		client = http.DefaultClient
	}
	if log == nil {
		log = zap.NewNop()
	}
	downloads, err := Downloads(base, dir)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("launch: %w", err)
	}
	staging, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return "", "", fmt.Errorf("launch: %w", err)
	}
	defer os.RemoveAll(staging)
	for i, d := range downloads {
		log.Info("downloading", zap.String("url", d.URL))
		archive := filepath.Join(staging, fmt.Sprintf("%d.zip", i))
		if err := fetch(ctx, client, d.URL, archive); err != nil {
			return "", "", &InstallError{Failed: d, Err: err, Downloads: downloads}
		}
		if err := unzip(archive, filepath.Join(staging, filepath.Base(d.Dir))); err != nil {
			return "", "", fmt.Errorf("launch: unzipping %s: %w", d.URL, err)
		}
	}
	for _, d := range downloads {
		if err := os.RemoveAll(d.Dir); err != nil {
			return "", "", fmt.Errorf("launch: %w", err)
		}
		if err := os.Rename(filepath.Join(staging, filepath.Base(d.Dir)), d.Dir); err != nil {
			return "", "", fmt.Errorf("launch: %w", err)
		}
	}
	return Find(dir)
}

func fetch(ctx context.Context, client *http.Client, url, dest string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	f, err := os.Create(dest)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// unzip extracts archive into dir, keeping executable bits and refusing entries that would
// land outside dir.
func unzip(archive, dir string) error {
	r, err := zip.OpenReader(archive)
	if err != nil {
		return err
	}
	defer r.Close()
	root, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for _, f := range r.File {
		target := filepath.Join(root, filepath.FromSlash(f.Name))
		if target != root && !strings.HasPrefix(target, root+string(filepath.Separator)) {
			return fmt.Errorf("entry %q is outside the archive's directory", f.Name)
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		}
		if f.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("entry %q is a symbolic link; unzip the archive by hand", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := extract(f, target); err != nil {
			return err
		}
	}
	return nil
}

func extract(f *zip.File, target string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	mode := os.FileMode(0o644)
	if f.Mode()&0o111 != 0 {
		mode = 0o755
	}
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ErrNotInstalled is wrapped by Find's error when dir holds no VM or no image.
var ErrNotInstalled = errors.New("launch: no Pharo installed")

// Find answers the VM and image installed in dir (dir/vm, dir/image), as Install or a
// person following InstallError's instructions left them.
func Find(dir string) (vm, image string, err error) {
	vm, err = findVM(filepath.Join(dir, "vm"))
	if err != nil {
		return "", "", err
	}
	image, err = findImage(filepath.Join(dir, "image"))
	if err != nil {
		return "", "", err
	}
	return vm, image, nil
}

// vmCandidates are where Pharo's VM archives put the executable, per platform.
var vmCandidates = []string{
	"pharo",                          // Linux: the launcher script
	"Pharo.app/Contents/MacOS/Pharo", // macOS
	"Pharo.exe", "PharoConsole.exe",  // Windows
	"bin/pharo",
}

func findVM(dir string) (string, error) {
	for _, c := range vmCandidates {
		p := filepath.Join(dir, filepath.FromSlash(c))
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no Pharo VM in %s (looked for %s)", ErrNotInstalled, dir, strings.Join(vmCandidates, ", "))
}

func findImage(dir string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.image"))
	if err != nil {
		return "", err
	}
	if len(matches) == 0 {
		// Some archives hold a directory named after the image.
		matches, _ = filepath.Glob(filepath.Join(dir, "*", "*.image"))
	}
	if len(matches) == 0 {
		return "", fmt.Errorf("%w: no .image file in %s", ErrNotInstalled, dir)
	}
	sort.Strings(matches)
	return matches[len(matches)-1], nil
}
