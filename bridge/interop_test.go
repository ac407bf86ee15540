package bridge_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// The libzmq peer: Debian's python3-zmq, through /usr/bin/python3 (the python3 on PATH
// may be another build, without zmq). CI installs it with apt-get (.ci/run).
const systemPython = "/usr/bin/python3"

// A libzmqPeer is bridge/testdata/peer.py running on libzmq.
type libzmqPeer struct {
	t        testing.TB
	token    string
	endpoint string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
}

// startLibzmqPeer starts the peer on port (0: any free port), or skips the test when
// python3-zmq is missing.
func startLibzmqPeer(t testing.TB, port int) *libzmqPeer {
	t.Helper()
	if err := exec.Command(systemPython, "-c", "import zmq").Run(); err != nil {
		t.Skipf("skipped: %s cannot import zmq (apt-get install python3-zmq): %v", systemPython, err)
	}
	p := &libzmqPeer{t: t, token: "interop-token"}
	p.start(port)
	t.Cleanup(p.stop)
	return p
}

func (p *libzmqPeer) start(port int) {
	p.t.Helper()
	p.cmd = exec.Command(systemPython, "testdata/peer.py", "--vectors", bridgetest.VectorDir(),
		"--token", p.token, "--port", fmt.Sprint(port))
	p.cmd.Stderr = os.Stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		p.t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
		io.Copy(io.Discard, stdout)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	select {
	case s := <-line:
		ep, ok := strings.CutPrefix(strings.TrimSpace(s), "ready ")
		if !ok {
			p.stop()
			p.t.Fatalf("the libzmq peer said %q", s)
		}
		p.endpoint = ep
	case <-ctx.Done():
		p.stop()
		p.t.Fatal("the libzmq peer did not start in time")
	}
}

// stop ends the peer: closing its stdin makes it exit; Kill is the fallback.
func (p *libzmqPeer) stop() {
	if p.cmd == nil {
		return
	}
	p.stdin.Close()
	p.cmd.Process.Kill()
	p.cmd.Wait()
	p.cmd = nil
}

func (p *libzmqPeer) port() int {
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(p.endpoint, "tcp://"))
	var n int
	fmt.Sscan(port, &n)
	return n
}

func TestLibzmqPeer(t *testing.T) {
	noLeaks(t)
	peer := startLibzmqPeer(t, 0)
	c := bridge.NewClient(bridge.Config{Endpoint: peer.endpoint, Token: peer.token})
	defer c.Close()
	if res, err := ping(ctxFor(t, testDeadline), c); err != nil || !res.Pong {
		t.Fatalf("ping: %+v, %v", res, err)
	}
	var cd bridge.ClassDescription
	if err := c.Call(ctxFor(t, testDeadline), bridge.DescribeClass, "", nil, bridge.DescribeClassParams{ClassName: "OrderedCollection"}, &cd); err != nil || cd.Name != "OrderedCollection" {
		t.Fatalf("describe_class: %+v, %v", cd, err)
	}
	bad := bridge.NewClient(bridge.Config{Endpoint: peer.endpoint, Token: "wrong"})
	defer bad.Close()
	_, err := ping(ctxFor(t, testDeadline), bad)
	wantType(t, err, bridge.Unauthorized)

	// Survive a restart: the first request after the peer is back succeeds, for an
	// idempotent command and for one that is never retried.
	for _, cmd := range []bridge.Command{bridge.Ping, bridge.Compile} {
		port := peer.port()
		peer.stop()
		if _, err := ping(ctxFor(t, testDeadline), c); bridge.ErrorOf(err) == nil || bridge.ErrorOf(err).Type != bridge.Unavailable {
			t.Fatalf("with the peer stopped: %v, want Unavailable", err)
		}
		peer.start(port)
		if err := c.Call(ctxFor(t, testDeadline), cmd, "", nil, nil, nil); err != nil {
			t.Fatalf("%s, the first request after the restart: %v", cmd, err)
		}
	}
}
