package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// runStui runs stui with args against env vars vars, and answers the exit code, stdout and
// stderr.
func runStui(t *testing.T, vars map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code := Main(args, env)
	return code, out.String(), errb.String()
}

func fakeImage(t *testing.T) (*bridgetest.Server, map[string]string) {
	srv := bridgetest.NewServer(t)
	return srv, map[string]string{
		"STUI_ENDPOINT": srv.Endpoint(), "STUI_TOKEN": srv.Token(), "XDG_STATE_HOME": t.TempDir(),
	}
}

func TestPingNothingListening(t *testing.T) {
	defer goleak.VerifyNone(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ep := "tcp://" + ln.Addr().String()
	ln.Close()
	const timeout = 2 * time.Second
	start := time.Now()
	code, out, errs := runStui(t, nil, "", "ping", "--endpoint", ep, "--timeout", timeout.String())
	if el := time.Since(start); el > timeout+time.Second {
		t.Errorf("stui ping took %v, past its deadline of %v", el, timeout)
	}
	if code != ExitUnreachable {
		t.Errorf("exit %d, want %d", code, ExitUnreachable)
	}
	if out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "start Pharo") || !strings.Contains(errs, ep) {
		t.Errorf("stdout %q, stderr %q: want one line on stderr saying what to start", out, errs)
	}
}

func TestPingHungImage(t *testing.T) {
	srv, vars := fakeImage(t)
	srv.SetFault(bridgetest.Hang)
	start := time.Now()
	code, _, errs := runStui(t, vars, "", "ping", "--timeout", "300ms")
	if el := time.Since(start); code != ExitUnreachable || el > 300*time.Millisecond+time.Second {
		t.Errorf("exit %d after %v (%s), want %d by the deadline", code, el, errs, ExitUnreachable)
	}
}

func TestPing(t *testing.T) {
	_, vars := fakeImage(t)
	code, out, errs := runStui(t, vars, "", "ping")
	if code != ExitOK || !strings.HasPrefix(out, "pong from STUI 1.0.0 (Pharo 12.0.0, protocol 1)") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, _ = runStui(t, vars, "", "ping", "--json")
	var res bridge.PingResult
	if code != ExitOK || json.Unmarshal([]byte(out), &res) != nil || !res.Pong {
		t.Errorf("--json: exit %d, %q", code, out)
	}
	vars["STUI_TOKEN"] = "wrong"
	if code, _, errs := runStui(t, vars, "", "ping"); code != ExitSmalltalk || !strings.Contains(errs, "STUI_TOKEN") {
		t.Errorf("wrong token: exit %d, %q", code, errs)
	}
}

func TestTokenFile(t *testing.T) {
	srv, vars := fakeImage(t)
	delete(vars, "STUI_TOKEN")
	file := filepath.Join(t.TempDir(), "token")
	os.WriteFile(file, []byte(srv.Token()+"\n"), 0o600)
	if code, _, errs := runStui(t, vars, "", "ping", "--token-file", file); code != ExitOK {
		t.Errorf("exit %d: %s", code, errs)
	}
	for _, args := range [][]string{
		{"ping", "--endpoint", "localhost:4044"},
		{"ping", "--timeout", "0s"},
		{"ping", "extra"},
	} {
		if code, _, errs := runStui(t, vars, "", args...); code != ExitUsage || errs == "" {
			t.Errorf("stui %q: exit %d, %q; want %d and a message", args, code, errs, ExitUsage)
		}
	}
	if code, _, _ := runStui(t, vars, "", "ping", "--token-file", file+".missing"); code != ExitUsage {
		t.Errorf("missing token file: exit %d, want %d", code, ExitUsage)
	}
}

func TestEval(t *testing.T) {
	_, vars := fakeImage(t)
	for _, tc := range []struct {
		args       []string
		stdin      string
		code       int
		out, inErr string
	}{
		{[]string{"eval", "3 + 4"}, "", ExitOK, "7\n", ""},
		{[]string{"eval", "--timeout", "5s", "--", "3 + 4"}, "", ExitOK, "7\n", ""},
		{[]string{"eval"}, "3 + 4", ExitOK, "7\n", ""},
		{[]string{"eval", "-do", "Transcript show: 'hello'; cr"}, "", ExitOK, "hello\n", ""},
		{[]string{"eval", "3 +"}, "", ExitSmalltalk, "", "SyntaxError: Variable or expression expected (line 1, column 4)"},
		{[]string{"eval", "1/0"}, "", ExitSmalltalk, "", "EvaluationError: ZeroDivide in SmallInteger>>/"},
		{[]string{"eval"}, "", ExitUsage, "", "no code"},
		{[]string{"eval", "a", "b"}, "", ExitUsage, "", "one CODE argument"},
		{[]string{"eval", "--bogus", "3"}, "", ExitUsage, "", "flag provided but not defined"},
	} {
		code, out, errs := runStui(t, vars, tc.stdin, tc.args...)
		if code != tc.code || out != tc.out || !strings.Contains(errs, tc.inErr) {
			t.Errorf("stui %q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, out, errs, tc.code, tc.out, tc.inErr)
		}
	}
}

func TestEvalKeepsSessionAcrossRuns(t *testing.T) {
	srv, vars := fakeImage(t)
	if code, _, errs := runStui(t, vars, "", "eval", "answer := 42"); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	runStui(t, vars, "", "eval", "3 + 4")
	if n := countCommand(srv.Requests(), bridge.CreateSession); n != 1 {
		t.Errorf("two runs created %d sessions, want 1", n)
	}
	code, out, _ := runStui(t, vars, "", "sessions", "info", "--json")
	var info bridge.SessionInfo
	if code != ExitOK || json.Unmarshal([]byte(out), &info) != nil || info.ClientID != cliClientID || !strings.Contains(strings.Join(info.Variables, ","), "answer") {
		t.Errorf("sessions info: exit %d, %q", code, out)
	}
	srv.Restart()
	code, out, errs := runStui(t, vars, "", "eval", "3 + 4")
	if code != ExitOK || out != "7\n" || !strings.Contains(errs, "variables were lost: answer") {
		t.Errorf("after the image restarted: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestEvalInterruptedOnCancel(t *testing.T) {
	srv, vars := fakeImage(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Cancel, as Ctrl-C would, once the evaluation runs in the image.
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		srv.WaitRunning(wctx)
		cancel()
	}()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code := runEval(ctx, env, []string{"--timeout", "10s", "[true] whileTrue"})
	if code != ExitSmalltalk || !strings.Contains(errb.String(), "Interrupted") {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d and Interrupted", code, out.String(), errb.String(), ExitSmalltalk)
	}
}

func TestInspect(t *testing.T) {
	_, vars := fakeImage(t)
	code, out, errs := runStui(t, vars, "", "inspect", "3 @ 4")
	if code != ExitOK || !strings.HasPrefix(out, "(3@4)  (Point,") || !strings.Contains(out, "  x ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs := runStui(t, vars, "", "inspect", "--handle", "h-404"); code != ExitSmalltalk || !strings.Contains(errs, "ObjectNotFound") {
		t.Errorf("unknown handle: exit %d, %q", code, errs)
	}
	if code, _, _ := runStui(t, vars, "", "inspect"); code != ExitUsage {
		t.Errorf("no argument: exit %d", code)
	}
}

func TestSessions(t *testing.T) {
	_, vars := fakeImage(t)
	if code, _, errs := runStui(t, vars, "", "sessions", "info"); code != ExitUsage || !strings.Contains(errs, "no session yet") {
		t.Errorf("info without a session: exit %d, %q", code, errs)
	}
	runStui(t, vars, "", "eval", "3 + 4")
	code, out, _ := runStui(t, vars, "", "sessions", "list")
	if code != ExitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("list: exit %d, %q", code, out)
	}
	if code, out, errs := runStui(t, vars, "", "sessions", "close"); code != ExitOK || !strings.HasPrefix(out, "closed s-") {
		t.Errorf("close: exit %d, %q, %q", code, out, errs)
	}
	if code, _, errs := runStui(t, vars, "", "sessions", "close", "s-nope"); code != ExitSmalltalk || !strings.Contains(errs, "SessionNotFound") {
		t.Errorf("close unknown: exit %d, %q", code, errs)
	}
	if code, _, _ := runStui(t, vars, "", "sessions", "frob"); code != ExitUsage {
		t.Errorf("unknown action: exit %d", code)
	}
}

func TestHelpDocumentsExitCodesAndFlags(t *testing.T) {
	_, out, _ := runStui(t, nil, "", "help")
	for _, want := range []string{"0  success", "2  the image could not be reached", "3  bad usage", "--endpoint", "--token-file", "--timeout", "--json", "ping", "eval", "inspect", "sessions"} {
		if !strings.Contains(out, want) {
			t.Errorf("stui help does not mention %q", want)
		}
	}
}

func countCommand(reqs []bridge.Request, cmd bridge.Command) int {
	n := 0
	for _, r := range reqs {
		if r.Command == cmd {
			n++
		}
	}
	return n
}
