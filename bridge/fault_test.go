package bridge_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// Fault tests: each runs against the fake image, bounds every call by a deadline,
// checks that the call returned by it, and checks for leaked goroutines.

// grace is how long past its deadline a call may take to return: scheduling, not work.
const grace = time.Second

func TestPeerKilledMidRequest(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t, bridgetest.WithDelay(time.Hour))
	c := newClient(t, srv, bridge.Config{})
	done := make(chan error, 1)
	go func() { _, err := ping(ctxFor(t, testDeadline), c); done <- err }()
	if err := srv.WaitFor(ctxFor(t, testDeadline), isCommand(bridge.Ping)); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	select {
	case err := <-done:
		wantType(t, err, bridge.Unavailable)
	case <-time.After(testDeadline + grace):
		t.Fatal("the call did not return by its deadline after the peer was killed")
	}
	srv.SetDelay(0)
	srv.Restart()
	if _, err := ping(ctxFor(t, testDeadline), c); err != nil {
		t.Fatalf("first request after the restart: %v", err)
	}
}

func TestEvaluateNeverRetried(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	s := newRegistry(t, c, bridge.RegistryOptions{}).session(t, "/work/a")
	srv.SetDelay(time.Hour)
	done := make(chan error, 1)
	go func() {
		_, err := s.Evaluate(ctxFor(t, testDeadline), bridge.EvaluateParams{Code: "3 + 4", Mode: bridge.ModePrint}, nil)
		done <- err
	}()
	if err := srv.WaitFor(ctxFor(t, testDeadline), isCommand(bridge.Evaluate)); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	wantType(t, <-done, bridge.Unavailable)
	if n := count(srv.Requests(), bridge.Evaluate); n != 1 {
		t.Errorf("the image received evaluate %d times, want once", n)
	}
}

func TestIdempotentRetriedOnce(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	if _, err := ping(ctxFor(t, testDeadline), c); err != nil {
		t.Fatal(err)
	}
	// Kill while a ping is in flight on the pooled connection: the retry dials, finds
	// nothing listening, and gives up: two attempts, not more.
	srv.SetDelay(time.Hour)
	done := make(chan error, 1)
	go func() { _, err := ping(ctxFor(t, testDeadline), c); done <- err }()
	if err := srv.WaitFor(ctxFor(t, testDeadline), func(r bridge.Request) bool { return r.Command == bridge.Ping && r.ID != srv.Requests()[0].ID }); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	wantType(t, <-done, bridge.Unavailable)
	if n := count(srv.Requests(), bridge.Ping); n != 2 {
		t.Errorf("the image received %d pings, want 2", n)
	}
}

func TestPeerHung(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t, bridgetest.WithFault(bridgetest.Hang))
	c := newClient(t, srv, bridge.Config{})
	const d = 300 * time.Millisecond
	err := within(t, d+grace, func() error { _, err := ping(ctxFor(t, d), c); return err })
	wantType(t, err, bridge.Unavailable)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v does not wrap context.DeadlineExceeded", err)
	}
	srv.SetFault(bridgetest.NoFault)
	if _, err := ping(ctxFor(t, testDeadline), c); err != nil {
		t.Fatalf("after the peer recovered: %v", err)
	}
}

func TestPeerNeverGreets(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t, bridgetest.WithFault(bridgetest.NoGreeting))
	for _, dial := range []time.Duration{0, 100 * time.Millisecond} {
		c := newClient(t, srv, bridge.Config{DialTimeout: dial})
		const d = 300 * time.Millisecond
		err := within(t, d+grace, func() error { _, err := ping(ctxFor(t, d), c); return err })
		e := wantType(t, err, bridge.Unavailable)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v does not wrap context.DeadlineExceeded", err)
		}
		if dial > 0 && !strings.Contains(e.Message, "did not complete the connection within 100ms") {
			t.Errorf("message %q does not blame the handshake", e.Message)
		}
	}
	// Cancellation also ends a dial stuck in the greeting.
	c := newClient(t, srv, bridge.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err := within(t, testDeadline, func() error { _, err := ping(ctx, c); return err })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("after cancellation: %v, want context.Canceled", err)
	}
}

func TestGarbageReply(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t, bridgetest.WithFault(bridgetest.Garbage))
	c := newClient(t, srv, bridge.Config{})
	_, err := ping(ctxFor(t, testDeadline), c)
	e := wantType(t, err, bridge.Unavailable)
	if !strings.Contains(e.Message, "not a STUI response") {
		t.Errorf("message %q does not say what was wrong", e.Message)
	}
	srv.SetFault(bridgetest.NoFault)
	if _, err := ping(ctxFor(t, testDeadline), c); err != nil {
		t.Fatalf("after the garbage: %v", err)
	}
}

func TestWrongReplyID(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t, bridgetest.WithFault(bridgetest.WrongID))
	c := newClient(t, srv, bridge.Config{})
	_, err := ping(ctxFor(t, testDeadline), c)
	e := wantType(t, err, bridge.Unavailable)
	if !strings.Contains(e.Message, "with id") {
		t.Errorf("message %q does not say the id was wrong", e.Message)
	}
	srv.SetFault(bridgetest.NoFault)
	if _, err := ping(ctxFor(t, testDeadline), c); err != nil {
		t.Fatalf("after the wrong id: %v", err)
	}
}

func TestOversizeReply(t *testing.T) {
	noLeaks(t)
	const limit = 64 << 10
	srv := bridgetest.NewServer(t, bridgetest.WithFault(bridgetest.Oversize), bridgetest.WithOversize(1<<20))
	c := newClient(t, srv, bridge.Config{MaxMessage: limit})
	_, err := ping(ctxFor(t, testDeadline), c)
	e := wantType(t, err, bridge.TooLarge)
	var d bridge.TooLargeDetails
	if err := json.Unmarshal(e.Details, &d); err != nil || d.Limit != limit || d.Size <= limit {
		t.Errorf("details %s, want size over limit %d", e.Details, limit)
	}
	if n := count(srv.Requests(), bridge.Ping); n != 1 {
		t.Errorf("TooLarge was retried: %d pings", n)
	}
	srv.SetFault(bridgetest.NoFault)
	if _, err := ping(ctxFor(t, testDeadline), c); err != nil {
		t.Fatalf("after the oversize reply: %v", err)
	}
}

// A peer that announces an enormous frame is refused before anything is allocated.
func TestAnnouncedHugeFrame(t *testing.T) {
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		zc, err := zmq4.Open(nc, null.Security(), zmq4.Rep, nil, true, nil)
		if err != nil {
			return
		}
		if _, err := zc.RecvMsg(); err != nil {
			return
		}
		// empty delimiter, then a LONG frame announcing 2^60 bytes, and nothing.
		nc.Write([]byte{0x01, 0x00, 0x02, 0x10, 0, 0, 0, 0, 0, 0, 0})
		nc.Read(make([]byte, 1)) // until the client hangs up
	}()
	c := bridge.NewClient(bridge.Config{Endpoint: "tcp://" + ln.Addr().String()})
	defer c.Close()
	_, err = ping(ctxFor(t, testDeadline), c)
	wantType(t, err, bridge.TooLarge)
	<-served
}

func TestRequestTooLarge(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{MaxMessage: 1 << 10})
	err := c.Call(ctxFor(t, testDeadline), bridge.Compile, "", nil,
		bridge.CompileParams{ClassName: "Object", Source: strings.Repeat("x", 2<<10)}, nil)
	wantType(t, err, bridge.TooLarge)
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("an oversize request was sent (%d requests received)", n)
	}
}

func TestServerRefusesTooLarge(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t, bridgetest.WithMaxMessage(1<<10))
	c := newClient(t, srv, bridge.Config{})
	err := c.Call(ctxFor(t, testDeadline), bridge.Compile, "", nil,
		bridge.CompileParams{ClassName: "Object", Source: strings.Repeat("x", 2<<10)}, nil)
	wantType(t, err, bridge.TooLarge)
}

func TestPeerRestartedBetweenRequests(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	for _, cmd := range []bridge.Command{bridge.Ping, bridge.Compile} { // idempotent, and not
		if err := c.Call(ctxFor(t, testDeadline), cmd, "", nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		srv.Restart()
		if err := c.Call(ctxFor(t, testDeadline), cmd, "", nil, nil, nil); err != nil {
			t.Fatalf("%s, the first request after the restart: %v", cmd, err)
		}
		if n := count(srv.Requests(), cmd); n != 2 {
			t.Errorf("%s reached the image %d times, want 2", cmd, n)
		}
	}
}

func TestCancelled(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t, bridgetest.WithDelay(time.Hour))
	c := newClient(t, srv, bridge.Config{})
	ctx, cancel := context.WithCancel(ctxFor(t, testDeadline))
	go func() {
		srv.WaitFor(ctx, isCommand(bridge.Ping))
		cancel()
	}()
	_, err := ping(ctx, c)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
	if bridge.ErrorOf(err) != nil {
		t.Errorf("cancellation reported as %v", bridge.ErrorOf(err))
	}
}

func TestImageTimeoutArrivesBeforeClientDeadline(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	s := newRegistry(t, c, bridge.RegistryOptions{}).session(t, "/work/a")
	const d = 1 * time.Second
	err := within(t, d+grace, func() error {
		_, err := s.Evaluate(ctxFor(t, d), bridge.EvaluateParams{Code: "(Delay forSeconds: 60) wait", Mode: bridge.ModeDo}, nil)
		return err
	})
	wantType(t, err, bridge.Timeout)
}

func TestConcurrentCalls(t *testing.T) {
	noLeaks(t)
	srv := bridgetest.NewServer(t)
	c := newClient(t, srv, bridge.Config{})
	errs := make(chan error, 16)
	for range cap(errs) {
		go func() {
			var res bridge.ClassDescription
			err := c.Call(ctxFor(t, testDeadline), bridge.DescribeClass, "", nil, bridge.DescribeClassParams{ClassName: "OrderedCollection"}, &res)
			if err == nil && res.Superclass != "SequenceableCollection" {
				err = errors.New("wrong answer: " + res.Superclass)
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func isCommand(cmd bridge.Command) func(bridge.Request) bool {
	return func(r bridge.Request) bool { return r.Command == cmd }
}

func count(reqs []bridge.Request, cmd bridge.Command) int {
	n := 0
	for _, r := range reqs {
		if r.Command == cmd {
			n++
		}
	}
	return n
}
