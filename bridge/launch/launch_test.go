package launch_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/launch"
	"github.com/stui-dev/stui/bridge/launch/launchtest"
)

// ping is what stui passes as Config.Ping: a bridge ping, with a wrong token permanent.
func ping(token string) func(context.Context, string) error {
	return func(ctx context.Context, endpoint string) error {
		c := bridge.NewClient(bridge.Config{Endpoint: endpoint, Token: token, DialTimeout: time.Second})
		defer c.Close()
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		var res bridge.PingResult
		err := c.Call(ctx, bridge.Ping, "", nil, bridge.PingParams{}, &res)
		var berr *bridge.Error
		if errors.As(err, &berr) && berr.Type == bridge.Unauthorized {
			return launch.Permanent(err)
		}
		return err
	}
}

// output collects the VM's output for the test's messages.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(b)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

func config(t *testing.T, mode string) (launch.Config, *output) {
	t.Helper()
	out := &output{}
	return launch.Config{
		VM:           launchtest.FakeVM(t),
		Image:        launchtest.Image(t),
		Port:         -1,
		Token:        "secret",
		Env:          []string{"FAKEVM_MODE=" + mode},
		Output:       out,
		ReadyTimeout: 20 * time.Second,
		StopTimeout:  5 * time.Second,
	}, out
}

// alive reports whether a process with pid exists.
func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

func stopAtCleanup(t *testing.T, p *launch.Process) {
	t.Cleanup(func() {
		if err := p.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}

func TestStartWaitsForPingThenStops(t *testing.T) {
	cfg, out := config(t, "serve")
	cfg.Ping = ping("secret")
	p, err := launch.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, out)
	}
	if !strings.HasPrefix(p.Endpoint(), "tcp://127.0.0.1:") || strings.HasSuffix(p.Endpoint(), ":0") {
		t.Errorf("Endpoint = %q, want the bound tcp://127.0.0.1:PORT", p.Endpoint())
	}
	if err := ping("secret")(context.Background(), p.Endpoint()); err != nil {
		t.Errorf("ping after Start: %v", err)
	}
	pid := p.Pid()
	if err := p.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := p.Wait(); err != nil {
		t.Errorf("Wait after a clean stop = %v, want nil (the VM exits 0 on SIGTERM)", err)
	}
	if !p.Stopped() {
		t.Error("Stopped() = false after Stop")
	}
	if alive(pid) {
		t.Errorf("the VM (pid %d) is still alive after Stop", pid)
	}
	if !strings.Contains(out.String(), "SIGTERM") {
		t.Errorf("the VM did not get SIGTERM; its output:\n%s", out)
	}
}

func TestStartPassesTokenFileAndPort(t *testing.T) {
	cfg, out := config(t, "serve")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Token, cfg.TokenFile = "", tokenFile
	cfg.Ping = ping("from-file")
	p, err := launch.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, out)
	}
	stopAtCleanup(t, p)
}

func TestStartFailsAtOnceOnWrongToken(t *testing.T) {
	cfg, _ := config(t, "serve")
	cfg.Ping = ping("wrong")
	start := time.Now()
	_, err := launch.Start(context.Background(), cfg)
	if !errors.Is(err, launch.ErrNotReady) {
		t.Fatalf("Start = %v, want ErrNotReady", err)
	}
	var berr *bridge.Error
	if !errors.As(err, &berr) && !strings.Contains(err.Error(), "Unauthorized") {
		t.Errorf("Start = %v, want it to say Unauthorized", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Start took %s; a wrong token must not be retried until the ready timeout", d)
	}
}

func TestStartReportsAnEarlyExit(t *testing.T) {
	cfg, _ := config(t, "exit")
	_, err := launch.Start(context.Background(), cfg)
	if !errors.Is(err, launch.ErrNotReady) {
		t.Fatalf("Start = %v, want ErrNotReady", err)
	}
	for _, want := range []string{"exited", "exit status 1", "STUI failed to start: Error: no token"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start's error does not say %q:\n%v", want, err)
		}
	}
}

func TestStartTimesOutAndStopsTheVM(t *testing.T) {
	cfg, _ := config(t, "silent")
	pidFile := filepath.Join(t.TempDir(), "pid")
	cfg.Env = append(cfg.Env, "FAKEVM_PIDFILE="+pidFile)
	cfg.ReadyTimeout = 1500 * time.Millisecond
	_, err := launch.Start(context.Background(), cfg)
	if !errors.Is(err, launch.ErrNotReady) || !strings.Contains(err.Error(), "no ready line within") {
		t.Fatalf("Start = %v, want a ready timeout", err)
	}
	b, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatalf("the fake VM did not write its pid: %v", rerr)
	}
	pid, _ := strconv.Atoi(string(b))
	if alive(pid) {
		t.Errorf("the VM (pid %d) still runs after Start gave up", pid)
	}
}

func TestStartHonoursItsContext(t *testing.T) {
	cfg, _ := config(t, "silent")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := launch.Start(ctx, cfg); !errors.Is(err, launch.ErrNotReady) {
		t.Fatalf("Start = %v, want ErrNotReady", err)
	}
}

func TestStartWithoutPingAnswer(t *testing.T) {
	cfg, _ := config(t, "noping")
	cfg.Ping = ping("secret")
	cfg.ReadyTimeout = 3 * time.Second
	_, err := launch.Start(context.Background(), cfg)
	if !errors.Is(err, launch.ErrNotReady) || !strings.Contains(err.Error(), "ping") {
		t.Fatalf("Start = %v, want a ping failure", err)
	}
}

func TestStopKillsAVMThatIgnoresSIGTERM(t *testing.T) {
	cfg, out := config(t, "stubborn")
	cfg.StopTimeout = 300 * time.Millisecond
	p, err := launch.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, out)
	}
	start := time.Now()
	if err := p.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("Stop returned after %s, before the stop timeout: the VM should have ignored SIGTERM", d)
	}
	var exit *exec.ExitError
	if err := p.Wait(); !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("Wait = %v, want death by SIGKILL", err)
	}
	if alive(p.Pid()) {
		t.Errorf("the VM (pid %d) is still alive", p.Pid())
	}
}

func TestWaitReportsACrash(t *testing.T) {
	cfg, out := config(t, "crash")
	crash := filepath.Join(t.TempDir(), "crash")
	cfg.Env = append(cfg.Env, "FAKEVM_CRASH_FILE="+crash)
	p, err := launch.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, out)
	}
	if err := os.WriteFile(crash, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		p.Stop(context.Background())
		t.Fatal("the VM did not exit within 10s of being told to crash")
	}
	var exit *exec.ExitError
	if err := p.Wait(); !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("Wait = %v, want exit status 3", err)
	}
	if p.Stopped() {
		t.Error("Stopped() = true, but nobody called Stop")
	}
}

func TestStartChecksItsConfig(t *testing.T) {
	vm, image := launchtest.FakeVM(t), launchtest.Image(t)
	for _, tc := range []struct {
		name string
		cfg  launch.Config
		want string
	}{
		{"no VM", launch.Config{Image: image, Token: "t"}, "no VM"},
		{"missing VM", launch.Config{VM: filepath.Join(t.TempDir(), "nope"), Image: image, Token: "t"}, "no such file"},
		{"VM not executable", launch.Config{VM: image, Image: image, Token: "t"}, "not executable"},
		{"missing image", launch.Config{VM: vm, Image: filepath.Join(t.TempDir(), "x.image"), Token: "t"}, "image"},
		{"no token", launch.Config{VM: vm, Image: image}, "no token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := launch.Start(context.Background(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestStartTwiceAfterExit(t *testing.T) {
	// stui-lsp's supervisor restarts a VM by calling Start again once Done is closed.
	cfg, out := config(t, "serve")
	cfg.Ping = ping("secret")
	for i := 0; i < 2; i++ {
		p, err := launch.Start(context.Background(), cfg)
		if err != nil {
			t.Fatalf("Start #%d: %v\n%s", i+1, err, out)
		}
		if err := p.Stop(context.Background()); err != nil {
			t.Fatalf("Stop #%d: %v", i+1, err)
		}
		<-p.Done()
	}
}
