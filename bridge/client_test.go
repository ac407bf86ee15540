package bridge_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// testDeadline bounds every request of these tests. It is generous: the race detector
// and a shared 2-core machine slow things down; what the tests assert is that calls
// return by their deadline, not how fast.
const testDeadline = 5 * time.Second

func newClient(t *testing.T, srv *bridgetest.Server, cfg bridge.Config) *bridge.Client {
	t.Helper()
	if cfg.Endpoint == "" {
		cfg.Endpoint = srv.Endpoint()
	}
	if cfg.Token == "" {
		cfg.Token = srv.Token()
	}
	if cfg.Logger == nil {
		cfg.Logger = zaptest.NewLogger(t)
	}
	c := bridge.NewClient(cfg)
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// noLeaks fails the test if goroutines are left once everything in t.Cleanup ran.
func noLeaks(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // runs last: cleanups run in reverse order
}

func ping(ctx context.Context, c *bridge.Client) (*bridge.PingResult, error) {
	var res bridge.PingResult
	err := c.Call(ctx, bridge.Ping, "", nil, bridge.PingParams{}, &res)
	return &res, err
}

// wantType fails unless err is a *bridge.Error of type typ.
func wantType(t *testing.T, err error, typ bridge.ErrorType) *bridge.Error {
	t.Helper()
	e := bridge.ErrorOf(err)
	if e == nil || e.Type != typ {
		t.Fatalf("error %v (%T), want a %s", err, err, typ)
	}
	return e
}

// within fails unless f returns within d, and answers its error.
func within(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	start := time.Now()
	err := f()
	if el := time.Since(start); el > d {
		t.Fatalf("returned after %v, past its deadline of %v", el, d)
	}
	return err
}

func TestPing(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	res, err := ping(ctxFor(t, testDeadline), c)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pong || res.Server != "STUI" || res.ProtocolVersion != bridge.ProtocolVersion {
		t.Errorf("ping answered %+v", res)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Token != srv.Token() || reqs[0].DeadlineMS <= 0 || reqs[0].DeadlineMS > testDeadline.Milliseconds() {
		t.Errorf("the server received %+v", reqs)
	}
}

func TestWrongToken(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{Token: "not-the-token"})
	_, err := ping(ctxFor(t, testDeadline), c)
	wantType(t, err, bridge.Unauthorized)
}

func TestNothingListening(t *testing.T) {
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ep := "tcp://" + ln.Addr().String()
	ln.Close()
	c := bridge.NewClient(bridge.Config{Endpoint: ep, Logger: zaptest.NewLogger(t)})
	defer c.Close()
	const d = 2 * time.Second
	err = within(t, d+time.Second, func() error { _, err := ping(ctxFor(t, d), c); return err })
	e := wantType(t, err, bridge.Unavailable)
	if errors.Is(e, context.DeadlineExceeded) {
		t.Errorf("refused connection reported as a deadline: %v", e)
	}
}
