package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain runs main when the test binary is started as stui-lsp by the tests below.
func TestMain(m *testing.M) {
	if os.Getenv("STUI_LSP_TEST_MAIN") == "1" {
		os.Args = append([]string{"stui-lsp"}, strings.Fields(os.Getenv("STUI_LSP_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func command(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STUI_LSP_TEST_MAIN=1", "STUI_LSP_TEST_ARGS="+strings.Join(args, " "),
		"XDG_STATE_HOME="+t.TempDir())
	return cmd
}

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

func TestVersion(t *testing.T) {
	out, err := command(t, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "stui-lsp ") {
		t.Errorf("--version printed %q", out)
	}
}

// TestStdoutCarriesOnlyTheProtocol runs a whole session over stdio and checks that
// stdout holds nothing but framed messages, and that the exit status follows the
// lifecycle.
func TestStdoutCarriesOnlyTheProtocol(t *testing.T) {
	logfile := t.TempDir() + "/lsp.log"
	cmd := command(t, "--logfile", logfile, "--log-level", "debug")
	in := strings.Join([]string{
		frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"initializationOptions":{"endpoint":"tcp://127.0.0.1:1"}}}`),
		frame(`{"jsonrpc":"2.0","method":"initialized","params":{}}`),
		frame(`this is not JSON`),
		frame(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`),
		frame(`{"jsonrpc":"2.0","method":"exit"}`),
	}, "")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(stdin, in)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stui-lsp exited with %v after shutdown and exit, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("stui-lsp did not exit after exit")
	}
	// Every byte of stdout is a framed JSON-RPC message.
	r := bufio.NewReader(&stdout)
	ids := map[string]bool{}
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			break
		}
		n, ok := strings.CutPrefix(strings.TrimSpace(line), "Content-Length: ")
		if !ok {
			t.Fatalf("stdout has %q where a header belongs", line)
		}
		if l, _ := r.ReadString('\n'); l != "\r\n" {
			t.Fatalf("no blank line after the header: %q", l)
		}
		size, _ := strconv.Atoi(n)
		body := make([]byte, size)
		if _, err := io.ReadFull(r, body); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(body, []byte(`"id":1,`)) || bytes.Contains(body, []byte(`"id":1}`)) {
			ids["1"] = true
		}
		if bytes.Contains(body, []byte(`"code":-32700`)) {
			ids["parse error"] = true
		}
		if bytes.Contains(body, []byte(`"id":2`)) {
			ids["2"] = true
		}
	}
	for _, want := range []string{"1", "parse error", "2"} {
		if !ids[want] {
			t.Errorf("stdout has no answer for %s:\n%s", want, stdout.String())
		}
	}
	if log, err := os.ReadFile(logfile); err != nil || !bytes.Contains(log, []byte("initialize")) {
		t.Errorf("the log file holds %q (%v)", log, err)
	}
}

func TestExitWithoutShutdownFails(t *testing.T) {
	cmd := command(t)
	cmd.Stdin = strings.NewReader(frame(`{"jsonrpc":"2.0","method":"exit"}`))
	err := cmd.Run()
	if e, ok := err.(*exec.ExitError); !ok || e.ExitCode() != 1 {
		t.Fatalf("exit before shutdown: got %v, want exit status 1", err)
	}
}
