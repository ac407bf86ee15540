package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stui-dev/stui/lsp/lsptest"
)

func TestBenchHelpSaysItIsNotPharo(t *testing.T) {
	var out bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	if code := Main([]string{"help", "bench"}, env); code != ExitOK {
		t.Fatalf("stui help bench: exit %d", code)
	}
	if !strings.Contains(out.String(), "not a Pharo image") {
		t.Errorf("stui help bench does not say it measures stand-ins, not Pharo:\n%s", out.String())
	}
}

// TestBenchWritesItsFiles runs a tiny `stui bench` and checks the files it writes.
func TestBenchWritesItsFiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin, err := lsptest.Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code := Main([]string{"bench", "--requests", "20", "--load", "10", "--no-libzmq", "--png", "--lsp", bin, "--out", dir}, env)
	if code != ExitOK {
		t.Fatalf("stui bench: exit %d\n%s", code, errb.String())
	}
	if !strings.Contains(out.String(), "| fake image (Go) | stui-lsp |") {
		t.Errorf("the report lacks the stui-lsp layer:\n%s", out.String())
	}
	for _, name := range []string{"bench.md", "bench.json", "bench.png"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s was not written: %v", name, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "bench.json"))
	var r struct {
		Command string `json:"command"`
		Skipped []string
	}
	if err := json.Unmarshal(b, &r); err != nil || !strings.HasPrefix(r.Command, "stui bench ") || len(r.Skipped) != 1 {
		t.Errorf("bench.json: %v, command %q, skipped %q", err, r.Command, r.Skipped)
	}
}
