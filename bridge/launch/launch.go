// Package launch starts a Pharo VM that runs STUI's server, waits until the server
// answers, and stops it; it also finds and installs the VM and image (see [Install]).
//
// Call [Start] with a [Config]; it answers a running [*Process] once the image printed its
// ready line (pharo/scripts/serve.st prints "STUI ready on tcp://HOST:PORT") and, when
// Config.Ping is set, once a ping through that endpoint answered. Release the process with
// [Process.Stop]; [Process.Wait] and [Process.Done] report an exit of its own. stui-lsp's
// supervisor restarts a VM by calling Start again after Done.
package launch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/stui-dev/stui/pharo/scripts"
)

// Defaults used when a Config leaves a field zero.
const (
	DefaultPort         = 4044
	DefaultReadyTimeout = 2 * time.Minute // loading the baseline into a fresh image takes a while
	DefaultStopTimeout  = 10 * time.Second
)

// readyLine is what serve.st prints once the server listens.
var readyLine = regexp.MustCompile(`^STUI ready on (tcp://\S+:(\d+))\s*$`)

// Config says which VM runs which image, and how.
type Config struct {
	VM        string // the Pharo VM executable (required)
	Image     string // the .image file (required)
	Script    string // the serve script; "" writes the embedded pharo/scripts/serve.st to a temporary directory
	Source    string // the checkout's pharo/src, loaded when the image lacks STUI (STUI_SOURCE); "" leaves it to the script
	Port      int    // 0: DefaultPort. Negative: let the system choose (the script binds port 0)
	Token     string // passed as STUI_TOKEN; either Token or TokenFile is required
	TokenFile string // passed as STUI_TOKEN_FILE
	Transport string // "zmtp" (default) or "libzmq", passed as STUI_TRANSPORT
	Env       []string
	Dir       string // the VM's working directory; "" the current one

	// Ping, when set, is called with the endpoint after the ready line until it succeeds
	// or the ready timeout passes; stui passes a bridge ping.
	Ping func(ctx context.Context, endpoint string) error

	Output       io.Writer // the VM's stdout (after the ready line) and stderr; nil discards them
	ReadyTimeout time.Duration
	StopTimeout  time.Duration
	Logger       *zap.Logger
}

func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.Port < 0 {
		c.Port = 0
	}
	if c.ReadyTimeout <= 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.Output == nil {
		c.Output = io.Discard
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	return c
}

// A Process is a running VM whose server answered. It is safe for concurrent use.
type Process struct {
	cfg      Config
	cmd      *exec.Cmd
	endpoint string
	tmpDir   string // holds the embedded script; removed when the VM has exited
	log      *zap.Logger
	done     chan struct{} // closed when the VM has exited and its output is drained
	err      error         // the VM's exit; written before done is closed

	mu       sync.Mutex // guards stopping
	stopping bool
}

// ErrNotReady is wrapped by Start's error when the VM exited or timed out before its
// server answered.
var ErrNotReady = errors.New("launch: the Pharo server did not become ready")

// Start runs the VM and waits until its server is ready (see the package comment). On
// failure the VM is stopped and the error says why, with the last lines the VM printed.
// ctx bounds the wait for readiness only; stop the process with Stop.
func Start(ctx context.Context, cfg Config) (*Process, error) {
	cfg = cfg.withDefaults()
	if err := checkFile(cfg.VM, "VM", true); err != nil {
		return nil, err
	}
	if err := checkFile(cfg.Image, "image", false); err != nil {
		return nil, err
	}
	if cfg.Token == "" && cfg.TokenFile == "" {
		return nil, errors.New("launch: no token: set Config.Token or Config.TokenFile")
	}
	p := &Process{cfg: cfg, log: cfg.Logger.Named("launch"), done: make(chan struct{})}
	script := cfg.Script
	if script == "" {
		dir, err := os.MkdirTemp("", "stui-serve-")
		if err != nil {
			return nil, fmt.Errorf("launch: %w", err)
		}
		p.tmpDir = dir
		script = filepath.Join(dir, "serve.st")
		if err := os.WriteFile(script, scripts.Serve, 0o600); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("launch: %w", err)
		}
	}
	p.cmd = exec.Command(cfg.VM, "--headless", cfg.Image, "st", script)
	p.cmd.Dir = cfg.Dir
	p.cmd.Env = append(os.Environ(), cfg.Env...)
	p.cmd.Env = append(p.cmd.Env, "STUI_PORT="+strconv.Itoa(cfg.Port))
	if cfg.Token != "" {
		p.cmd.Env = append(p.cmd.Env, "STUI_TOKEN="+cfg.Token)
	}
	if cfg.TokenFile != "" {
		p.cmd.Env = append(p.cmd.Env, "STUI_TOKEN_FILE="+cfg.TokenFile)
	}
	if cfg.Source != "" {
		p.cmd.Env = append(p.cmd.Env, "STUI_SOURCE="+cfg.Source)
	}
	if cfg.Transport != "" {
		p.cmd.Env = append(p.cmd.Env, "STUI_TRANSPORT="+cfg.Transport)
	}
	setProcessGroup(p.cmd)
	tail := &tailWriter{max: 20}
	out := &lockedWriter{w: io.MultiWriter(cfg.Output, tail)}
	p.cmd.Stderr = out
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		p.cleanup()
		return nil, fmt.Errorf("launch: %w", err)
	}
	if err := p.cmd.Start(); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("launch: starting %s: %w", cfg.VM, err)
	}
	p.log.Info("started Pharo", zap.String("vm", cfg.VM), zap.String("image", cfg.Image), zap.Int("pid", p.cmd.Process.Pid))

	ready := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := readyLine.FindStringSubmatch(line); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
			fmt.Fprintln(out, line)
		}
		// Drain whatever is left (a line longer than the buffer) so the VM never blocks.
		io.Copy(out, stdout)
	}()
	go func() {
		err := p.cmd.Wait()
		<-drained
		p.err = err
		p.cleanup()
		close(p.done)
	}()

	ctx, cancel := context.WithTimeout(ctx, cfg.ReadyTimeout)
	defer cancel()
	fail := func(why string) error {
		p.Stop(context.Background())
		return fmt.Errorf("%w: %s%s", ErrNotReady, why, tail.String())
	}
	select {
	case p.endpoint = <-ready:
	case <-p.done:
		return nil, fail("the VM exited (" + exitString(p.err) + ") before printing its ready line")
	case <-ctx.Done():
		return nil, fail(fmt.Sprintf("no ready line within %s (%v)", cfg.ReadyTimeout, ctx.Err()))
	}
	p.log.Info("Pharo printed its ready line", zap.String("endpoint", p.endpoint))
	if cfg.Ping != nil {
		if err := p.ping(ctx); err != nil {
			return nil, fail(err.Error())
		}
	}
	return p, nil
}

// ping calls cfg.Ping until it succeeds, the VM exits or ctx ends, waiting a little longer
// after each failure.
func (p *Process) ping(ctx context.Context) error {
	wait := 50 * time.Millisecond
	for {
		err := p.cfg.Ping(ctx, p.endpoint)
		if err == nil {
			p.log.Info("the STUI server answered ping", zap.String("endpoint", p.endpoint))
			return nil
		}
		p.log.Debug("ping failed", zap.Error(err))
		var perm *permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		select {
		case <-p.done:
			return fmt.Errorf("the VM exited (%s) before answering ping: %v", exitString(p.err), err)
		case <-ctx.Done():
			return fmt.Errorf("no answer to ping at %s: %v", p.endpoint, err)
		case <-time.After(wait):
		}
		if wait < time.Second {
			wait *= 2
		}
	}
}

// Permanent marks an error of Config.Ping that retrying cannot cure (a wrong token):
// Start then fails at once instead of pinging until the ready timeout.
func Permanent(err error) error { return &permanentError{err} }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Endpoint answers where the server listens, as printed by the image.
func (p *Process) Endpoint() string { return p.endpoint }

// Pid answers the VM's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the VM has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits for the VM to exit and answers how: nil for status 0, an *exec.ExitError
// otherwise.
func (p *Process) Wait() error {
	<-p.done
	return p.err
}

// Stopped reports whether Stop was called.
func (p *Process) Stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopping
}

// Signal sends sig to the VM and the processes it started (a VM launched through a shell
// script is a child of that script).
func (p *Process) Signal(sig os.Signal) error {
	return signalGroup(p.cmd, sig)
}

// Stop asks the VM to stop (SIGTERM), waits up to Config.StopTimeout (or ctx) for it to
// exit, then kills it. It answers nil once the VM has exited, whatever its status, and an
// error only when the VM could not be made to exit.
func (p *Process) Stop(ctx context.Context) error {
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.Signal(terminateSignal); err != nil {
		p.log.Debug("terminate signal failed", zap.Error(err))
	}
	timer := time.NewTimer(p.cfg.StopTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	p.log.Warn("Pharo did not stop in time; killing it", zap.Duration("timeout", p.cfg.StopTimeout))
	if err := killGroup(p.cmd); err != nil {
		p.log.Debug("kill failed", zap.Error(err))
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("launch: the VM (pid %d) did not exit after SIGKILL", p.cmd.Process.Pid)
	}
}

func (p *Process) cleanup() {
	if p.tmpDir != "" {
		os.RemoveAll(p.tmpDir)
	}
}

func exitString(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

func checkFile(path, what string, executable bool) error {
	if path == "" {
		return fmt.Errorf("launch: no %s given", what)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("launch: the %s %s: %w", what, path, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("launch: the %s %s is a directory", what, path)
	}
	if executable && !isExecutable(fi) {
		return fmt.Errorf("launch: the %s %s is not executable", what, path)
	}
	return nil
}

// tailWriter keeps the last max lines written to it, for error messages.
type tailWriter struct {
	mu    sync.Mutex // guards lines and part
	max   int
	lines []string
	part  string
}

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.part + string(b)
	parts := strings.Split(s, "\n")
	t.part = parts[len(parts)-1]
	for _, l := range parts[:len(parts)-1] {
		t.lines = append(t.lines, l)
		if len(t.lines) > t.max {
			t.lines = t.lines[1:]
		}
	}
	return len(b), nil
}

// String answers the kept lines, indented, after a newline; "" when there are none.
func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if t.part != "" {
		lines = append(append([]string(nil), lines...), t.part)
	}
	if len(lines) == 0 {
		return ""
	}
	return "\nthe VM printed:\n  " + strings.Join(lines, "\n  ")
}

// lockedWriter serialises the VM's stdout and stderr into one writer.
type lockedWriter struct {
	mu sync.Mutex // guards w
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
