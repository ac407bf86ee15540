package bridge_test

import (
	"encoding/json"
	"testing"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// TestFakeImageAnswersVectors checks the fake image that other packages test against: a
// request with a vector's parameters gets that vector's answer, through the client.
func TestFakeImageAnswersVectors(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	vs, err := bridgetest.LoadVectors(bridgetest.VectorDir())
	if err != nil {
		t.Fatal(err)
	}
	successParams := map[bridge.Command]json.RawMessage{}
	for _, v := range vs {
		var req bridge.Request
		if v.Case == "success" && json.Unmarshal(v.Request, &req) == nil {
			successParams[v.Command] = req.Parameters
		}
	}
	tested := 0
	for _, v := range vs {
		var req bridge.Request
		var want bridge.Response
		if json.Unmarshal(v.Request, &req) != nil || json.Unmarshal(v.Response, &want) != nil {
			t.Fatalf("%s: does not decode", v.Path)
		}
		spec, ok := bridge.Lookup(req.Command)
		switch {
		case !ok, spec.NeedsSession, req.Command == bridge.CreateSession, req.Command == bridge.ListClientSessions:
			continue // session commands answer from the sessions the fake keeps
		case want.Error != nil && sameJSON(t, req.Parameters, successParams[req.Command]):
			continue // an envelope error (token, version, size), not about parameters
		}
		tested++
		var got json.RawMessage
		err := c.Call(ctxFor(t, testDeadline), req.Command, "", nil, req.Parameters, &got)
		switch {
		case want.Error != nil:
			if e := bridge.ErrorOf(err); e == nil || e.Type != want.Error.Type {
				t.Errorf("%s/%s: %v, want %s", v.Command, v.Case, err, want.Error.Type)
			}
		case err != nil:
			t.Errorf("%s/%s: %v", v.Command, v.Case, err)
		case !sameJSON(t, got, want.Result):
			t.Errorf("%s/%s: result %s, want %s", v.Command, v.Case, got, want.Result)
		}
	}
	if tested < 20 {
		t.Errorf("only %d vectors tried", tested)
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	x, y := generic(t, a), generic(t, b)
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func TestRegistryOneSessionPerFolder(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	r := newRegistry(t, c, bridge.RegistryOptions{})
	got := make(chan *bridge.Session, 8)
	for range cap(got) {
		go func() {
			s, err := r.Session(ctxFor(t, testDeadline), "/work/a")
			if err != nil {
				t.Error(err)
			}
			got <- s
		}()
	}
	first := <-got
	for range cap(got) - 1 {
		if s := <-got; s != first {
			t.Error("concurrent callers got different sessions for one folder")
		}
	}
	if n := count(srv.Requests(), bridge.CreateSession); n != 1 {
		t.Errorf("%d sessions created, want 1", n)
	}
}
