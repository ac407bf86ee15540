package bridge_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

type testRegistry struct {
	*bridge.Registry
	mu   sync.Mutex // guards lost
	lost map[string][]string
}

func newRegistry(t *testing.T, c *bridge.Client, opts bridge.RegistryOptions) *testRegistry {
	t.Helper()
	if opts.StateFile == "" {
		opts.StateFile = filepath.Join(t.TempDir(), "sessions.json")
	}
	r := &testRegistry{lost: map[string][]string{}}
	opts.OnLost = func(folder string, vars []string) {
		r.mu.Lock()
		r.lost[folder] = vars
		r.mu.Unlock()
	}
	r.Registry = bridge.NewRegistry(c, opts)
	t.Cleanup(func() { r.Close(context.Background()) })
	return r
}

func (r *testRegistry) session(t *testing.T, folder string) *bridge.Session {
	t.Helper()
	s, err := r.Session(ctxFor(t, testDeadline), folder)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (r *testRegistry) lostFor(folder string) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.lost[folder]
	return v, ok
}

func evaluate(t *testing.T, s *bridge.Session, code string) *bridge.EvaluateResult {
	t.Helper()
	res, err := s.Evaluate(ctxFor(t, testDeadline), bridge.EvaluateParams{Code: code, Mode: bridge.ModePrint}, nil)
	if err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	return res
}

func TestEvaluateVectors(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	s := newRegistry(t, c, bridge.RegistryOptions{}).session(t, "/work/a")
	if res := evaluate(t, s, "3 + 4"); res.PrintString != "7" || res.ClassName != "SmallInteger" {
		t.Errorf("3 + 4 answered %+v", res)
	}
	_, err := s.Evaluate(ctxFor(t, testDeadline), bridge.EvaluateParams{Code: "3 +", Mode: bridge.ModePrint}, nil)
	e := wantType(t, err, bridge.SyntaxError)
	d, err := e.DecodeDetails()
	if sd, ok := d.(*bridge.SyntaxErrorDetails); err != nil || !ok || sd.Line != 1 || sd.Column != 4 || sd.Offset != 3 {
		t.Errorf("syntax error details %#v (%v)", d, err)
	}
	_, err = s.Evaluate(ctxFor(t, testDeadline), bridge.EvaluateParams{Code: "1/0", Mode: bridge.ModePrint}, nil)
	e = wantType(t, err, bridge.EvaluationError)
	d, _ = e.DecodeDetails()
	if ed, ok := d.(*bridge.EvaluationErrorDetails); !ok || ed.ExceptionClass != "ZeroDivide" || len(ed.Stack) == 0 {
		t.Errorf("evaluation error details %#v", d)
	}
	res, err := s.Inspect(ctxFor(t, testDeadline), bridge.InspectParams{Expression: "3 @ 4", Count: 100}, nil)
	if err != nil || res.ClassName != "Point" || len(res.NamedSlots) != 2 {
		t.Errorf("inspect 3 @ 4: %+v, %v", res, err)
	}
}

func TestInterruptReachesRunningEvaluation(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	s := newRegistry(t, c, bridge.RegistryOptions{}).session(t, "/work/a")
	done := make(chan error, 1)
	go func() {
		_, err := s.Evaluate(ctxFor(t, testDeadline), bridge.EvaluateParams{Code: "[true] whileTrue", Mode: bridge.ModeDo}, nil)
		done <- err
	}()
	ctx := ctxFor(t, testDeadline)
	running, err := srv.WaitRunning(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if running != s.ID() {
		t.Fatalf("session %s evaluates, want %s", running, s.ID())
	}
	res, err := s.Interrupt(ctx)
	if err != nil || !res.Interrupted || len(res.Stack) == 0 {
		t.Fatalf("interrupt answered %+v, %v", res, err)
	}
	select {
	case err := <-done:
		wantType(t, err, bridge.Interrupted)
	case <-ctx.Done():
		t.Fatal("the evaluation did not end after the interrupt")
	}
	if err := srv.WaitFor(ctxFor(t, testDeadline), func(r bridge.Request) bool {
		return r.Command == bridge.Interrupt && r.SessionID == s.ID()
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryRestoresAcrossClients(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	state := filepath.Join(t.TempDir(), "state", "sessions.json")
	c1 := newClient(t, srv, bridge.Config{})
	r1 := newRegistry(t, c1, bridge.RegistryOptions{StateFile: state})
	s1 := r1.session(t, "/work/a")
	other := r1.session(t, "/work/b")
	if s1.ID() == other.ID() {
		t.Fatal("two folders share a session")
	}
	if again := r1.session(t, "/work/a/"); again != s1 {
		t.Error("the same folder got another session")
	}
	if res := evaluate(t, s1, "answer := 42"); !slices.Equal(res.NewVariables, []string{"answer"}) {
		t.Fatalf("new variables %v", res.NewVariables)
	}
	r1.Close(ctxFor(t, testDeadline))
	c1.Close()

	// A new client, as after restarting the editor, finds the same session.
	c2 := newClient(t, srv, bridge.Config{})
	r2 := newRegistry(t, c2, bridge.RegistryOptions{StateFile: state})
	s2 := r2.session(t, "/work/a")
	if s2.ID() != s1.ID() {
		t.Errorf("restored session %s, want %s", s2.ID(), s1.ID())
	}
	if !slices.Equal(s2.Variables(), []string{"answer"}) {
		t.Errorf("restored variables %v", s2.Variables())
	}
	if _, lost := r2.lostFor("/work/a"); lost {
		t.Error("OnLost called for a restored session")
	}
	info, err := os.Stat(state)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v, %v", info, err)
	}
}

func TestRegistrySessionLostWithImage(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	state := filepath.Join(t.TempDir(), "sessions.json")
	c := newClient(t, srv, bridge.Config{})
	r := newRegistry(t, c, bridge.RegistryOptions{StateFile: state})
	s := r.session(t, "/work/a")
	old := s.ID()
	evaluate(t, s, "answer := 42")
	srv.Restart() // sessions forgotten

	// An idempotent command is retried in the new session: the caller only hears OnLost.
	info, err := s.Info(ctxFor(t, testDeadline))
	if err != nil {
		t.Fatal(err)
	}
	if info.SessionID == old || s.ID() != info.SessionID {
		t.Errorf("after the loss: session %s, info %s, old %s", s.ID(), info.SessionID, old)
	}
	if lost, ok := r.lostFor("/work/a"); !ok || !slices.Equal(lost, []string{"answer"}) {
		t.Errorf("OnLost told %v, %v; want [answer]", lost, ok)
	}

	// evaluate is not retried: the caller is told.
	srv.Restart()
	_, err = s.Evaluate(ctxFor(t, testDeadline), bridge.EvaluateParams{Code: "answer + 1", Mode: bridge.ModePrint}, nil)
	e := wantType(t, err, bridge.SessionNotFound)
	if !strings.Contains(e.Message, "run it again") {
		t.Errorf("message %q does not say what to do", e.Message)
	}
	if res := evaluate(t, s, "3 + 4"); res.PrintString != "7" {
		t.Errorf("in the new session: %+v", res)
	}

	// A registry started after the image lost the session says so too.
	evaluate(t, s, "kept := 1")
	r.Close(ctxFor(t, testDeadline))
	srv.Restart()
	r2 := newRegistry(t, c, bridge.RegistryOptions{StateFile: state})
	s2 := r2.session(t, "/work/a")
	if s2.ID() == s.ID() {
		t.Error("a forgotten session was restored")
	}
	if lost, ok := r2.lostFor("/work/a"); !ok || !slices.Equal(lost, []string{"kept"}) {
		t.Errorf("OnLost told %v, %v; want [kept]", lost, ok)
	}
}

func TestRegistryRestart(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	r := newRegistry(t, c, bridge.RegistryOptions{})
	s := r.session(t, "/work/a")
	s2, err := r.Restart(ctxFor(t, testDeadline), "/work/a")
	if err != nil {
		t.Fatal(err)
	}
	if s2.ID() == s.ID() {
		t.Error("Restart kept the session")
	}
	if r.session(t, "/work/a") != s2 {
		t.Error("the registry does not hand out the restarted session")
	}
	if err := srv.WaitFor(ctxFor(t, testDeadline), func(q bridge.Request) bool {
		return q.Command == bridge.CloseSession && q.SessionID == s.ID()
	}); err != nil {
		t.Error("the old session was not closed in the image")
	}
	if _, err := s.Info(ctxFor(t, testDeadline)); !errors.Is(err, &bridge.Error{Type: bridge.Unavailable}) {
		t.Errorf("the released session still answered: %v", err)
	}
}

func TestCorruptStateFileIsKept(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	state := filepath.Join(t.TempDir(), "sessions.json")
	if err := os.WriteFile(state, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv, bridge.Config{})
	newRegistry(t, c, bridge.RegistryOptions{StateFile: state}).session(t, "/work/a")
	if b, err := os.ReadFile(state + ".corrupt"); err != nil || string(b) != "{not json" {
		t.Errorf("the corrupt file was not kept: %q, %v", b, err)
	}
	if b, err := os.ReadFile(state); err != nil || !strings.Contains(string(b), "/work/a") {
		t.Errorf("no new state file: %q, %v", b, err)
	}
}

func TestReadToken(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte("  s3cret\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	t.Setenv("STUI_TEST_TOKEN", "from-env")
	for _, tc := range []struct {
		env, file, want string
		wantErr         bool
	}{
		{"STUI_TEST_TOKEN", "", "from-env", false},
		{"STUI_TEST_TOKEN", file, "s3cret", false},
		{"STUI_TEST_UNSET", "", "", false},
		{"", empty, "", true},
		{"", filepath.Join(dir, "missing"), "", true},
	} {
		got, err := bridge.ReadToken(tc.env, tc.file)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("ReadToken(%q, %q) = %q, %v; want %q, error %v", tc.env, tc.file, got, err, tc.want, tc.wantErr)
		}
	}
}

var _ = time.Second
