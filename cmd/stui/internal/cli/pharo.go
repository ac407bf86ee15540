package cli

// `stui pharo`: run STUI's server in a headless Pharo (serve), install a Pharo 12 VM and
// image (install), run the SUnit tests in Pharo (test). Package bridge/launch does the work.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/launch"
	"github.com/stui-dev/stui/pharo/scripts"
)

func init() {
	register(&command{
		Name:    "pharo",
		Usage:   "serve|install|test [flags]",
		Summary: "run STUI's server in a headless Pharo, install a Pharo 12, or run the SUnit tests in Pharo",
		Order:   60,
		Run:     runPharo,
	})
}

const pharoUsage = `usage: stui pharo serve [--image FILE] [--vm FILE] [--port N] [--token-file F] [--transport zmtp|libzmq]
       stui pharo install [--dir D]
       stui pharo test [--timeout D]

serve    starts a headless Pharo running pharo/scripts/serve.st, waits until STUI answers
         ping, prints "STUI ready on tcp://HOST:PORT", and runs until interrupted (SIGINT or
         SIGTERM stop the VM cleanly, then kill it after --stop-timeout).
         The VM and image default to $STUI_PHARO_VM and $STUI_PHARO_IMAGE, then to what
         'stui pharo install' put in the data directory, then to 'pharo' on PATH.
         The token is read from --token-file, else $STUI_TOKEN_FILE, else $STUI_TOKEN; with
         none, a random one is written next to the data directory and its file named.
install  downloads a Pharo 12 VM and image from files.pharo.org into $XDG_DATA_HOME/stui/pharo
         (or ~/.local/share/stui/pharo); offline, it names the archives to fetch and where
         to unzip them.
test     runs STUI's SUnit tests in the Pharo named by $STUI_PHARO_VM and $STUI_PHARO_IMAGE
         (the image is copied first); without them it says it skipped and exits 0.
`

func runPharo(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, pharoUsage)
		return ExitUsage
	}
	switch args[0] {
	case "serve":
		return pharoServe(ctx, env, args[1:])
	case "install":
		return pharoInstall(ctx, env, args[1:])
	case "test":
		return pharoTest(ctx, env, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, pharoUsage)
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "stui pharo: unknown subcommand %q\n%s", args[0], pharoUsage)
	return ExitUsage
}

// pharoLogger logs to w (stderr) in the console format.
func pharoLogger(w io.Writer) *zap.Logger {
	cfg := zap.NewDevelopmentEncoderConfig()
	cfg.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(cfg), zapcore.AddSync(w), zap.InfoLevel)
	return zap.New(core)
}

func pharoServe(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("pharo serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	image := fs.String("image", "", "the Pharo 12 or 13 image (default $STUI_PHARO_IMAGE, else the installed one)")
	vm := fs.String("vm", "", "the Pharo VM (default $STUI_PHARO_VM, else the installed one, else pharo on PATH)")
	port := fs.Int("port", launch.DefaultPort, "the TCP port to serve on; 0 lets the system choose")
	tokenFile := fs.String("token-file", "", "file holding the token (default $STUI_TOKEN_FILE, else $STUI_TOKEN)")
	transport := fs.String("transport", "zmtp", "the image's transport: zmtp (Smalltalk) or libzmq (uFFI)")
	script := fs.String("script", "", "the serve script (default: the one built into stui)")
	source := fs.String("source", "", "the checkout's pharo/src, loaded when the image lacks STUI (default $STUI_SOURCE, else found above the current directory)")
	readyTimeout := fs.Duration("ready-timeout", launch.DefaultReadyTimeout, "give up when STUI does not answer ping within this long")
	stopTimeout := fs.Duration("stop-timeout", launch.DefaultStopTimeout, "kill the VM when it has not stopped this long after SIGTERM")
	fs.Usage = func() { fmt.Fprint(env.Stderr, pharoUsage+"\nflags of serve:\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(env.Stderr, "stui pharo serve: unexpected arguments %q\n", fs.Args())
		return ExitUsage
	}
	if *transport != "zmtp" && *transport != "libzmq" {
		fmt.Fprintf(env.Stderr, "stui pharo serve: --transport is zmtp or libzmq, not %q\n", *transport)
		return ExitUsage
	}
	if *port < 0 || *port > 65535 {
		fmt.Fprintf(env.Stderr, "stui pharo serve: --port %d is not a TCP port\n", *port)
		return ExitUsage
	}
	log := pharoLogger(env.Stderr)
	defer log.Sync()

	vmPath, imagePath, err := pharoFind(env, *vm, *image)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui pharo serve: %v\n", err)
		return ExitUsage
	}
	tok, tokFile, err := pharoToken(env, *tokenFile)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui pharo serve: %v\n", err)
		return ExitUsage
	}
	token := tok
	if token == "" {
		if token, err = bridge.ReadToken("", tokFile); err != nil {
			fmt.Fprintf(env.Stderr, "stui pharo serve: %v\n", err)
			return ExitUsage
		}
	}
	cfg := launch.Config{
		VM: vmPath, Image: imagePath, Script: *script, Source: pharoSource(env, *source),
		Port: *port, Token: tok, TokenFile: tokFile, Transport: *transport,
		Ping:   pharoPing(token),
		Output: env.Stderr, ReadyTimeout: *readyTimeout, StopTimeout: *stopTimeout, Logger: log,
	}
	if cfg.Port == 0 {
		cfg.Port = -1 // launch's "let the system choose"
	}
	p, err := launch.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui pharo serve: %v\n", err)
		return ExitUnreachable
	}
	fmt.Fprintf(env.Stdout, "STUI ready on %s\n", p.Endpoint())
	select {
	case <-ctx.Done():
		log.Info("stopping Pharo", zap.String("reason", "signal"))
		if err := p.Stop(context.Background()); err != nil {
			fmt.Fprintf(env.Stderr, "stui pharo serve: %v\n", err)
			return ExitUnreachable
		}
		log.Info("Pharo stopped", zap.String("exit", pharoExit(p.Wait())))
		return ExitOK
	case <-p.Done():
		err := p.Wait()
		fmt.Fprintf(env.Stderr, "stui pharo serve: Pharo exited by itself (%s)\n", pharoExit(err))
		if err != nil {
			return ExitSmalltalk
		}
		return ExitOK
	}
}

func pharoExit(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// pharoPing answers launch's readiness check: a STUI ping with token. A wrong token will
// not get better by retrying.
func pharoPing(token string) func(context.Context, string) error {
	return func(ctx context.Context, endpoint string) error {
		c := bridge.NewClient(bridge.Config{Endpoint: endpoint, Token: token, DialTimeout: time.Second})
		defer c.Close()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var res bridge.PingResult
		err := c.Call(ctx, bridge.Ping, "", nil, bridge.PingParams{}, &res)
		var e *bridge.Error
		if errors.As(err, &e) && e.Type == bridge.Unauthorized {
			return launch.Permanent(err)
		}
		return err
	}
}

// pharoFind answers the VM and image: the flags, then STUI_PHARO_VM / STUI_PHARO_IMAGE,
// then the installed ones, then pharo on PATH for the VM.
func pharoFind(env *Env, vm, image string) (string, string, error) {
	if vm == "" {
		vm = env.Getenv("STUI_PHARO_VM")
	}
	if image == "" {
		image = env.Getenv("STUI_PHARO_IMAGE")
	}
	if vm != "" && image != "" {
		return vm, image, nil
	}
	if dir, err := launch.DataDir(env.Getenv); err == nil {
		if ivm, iimage, err := launch.Find(dir); err == nil {
			if vm == "" {
				vm = ivm
			}
			if image == "" {
				image = iimage
			}
		}
	}
	if vm == "" {
		if p, err := exec.LookPath("pharo"); err == nil {
			vm = p
		}
	}
	switch {
	case vm == "":
		return "", "", errors.New("no Pharo VM: pass --vm, set STUI_PHARO_VM, or run 'stui pharo install'")
	case image == "":
		return "", "", errors.New("no Pharo image: pass --image, set STUI_PHARO_IMAGE, or run 'stui pharo install'")
	}
	return vm, image, nil
}

// pharoToken answers the token or the file holding it. With none given, it makes one and
// keeps it, readable by the user only, next to the installed Pharo.
func pharoToken(env *Env, file string) (token, tokenFile string, err error) {
	if file == "" {
		file = env.Getenv("STUI_TOKEN_FILE")
	}
	if file != "" {
		if _, err := bridge.ReadToken("", file); err != nil {
			return "", "", err
		}
		return "", file, nil
	}
	if tok := strings.TrimSpace(env.Getenv(bridge.TokenEnv)); tok != "" {
		return tok, "", nil
	}
	dir, err := launch.DataDir(env.Getenv)
	if err != nil {
		return "", "", err
	}
	file = filepath.Join(filepath.Dir(dir), "token")
	if _, err := bridge.ReadToken("", file); err == nil {
		fmt.Fprintf(env.Stderr, "stui pharo serve: using the token in %s (clients: export STUI_TOKEN_FILE=%s)\n", file, file)
		return "", file, nil
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(file, []byte(hex.EncodeToString(b[:])+"\n"), 0o600); err != nil {
		return "", "", err
	}
	fmt.Fprintf(env.Stderr, "stui pharo serve: made a token in %s (clients: export STUI_TOKEN_FILE=%s)\n", file, file)
	return "", file, nil
}

// pharoSource answers the checkout's pharo/src: the flag, STUI_SOURCE, or the first
// pharo/src/BaselineOfSTUI found from the current directory upwards; "" when none.
func pharoSource(env *Env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if s := env.Getenv("STUI_SOURCE"); s != "" {
		return s
	}
	if root := pharoCheckout(); root != "" {
		return filepath.Join(root, "pharo", "src")
	}
	return ""
}

// pharoCheckout answers the STUI checkout above the current directory, or "".
func pharoCheckout() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if fi, err := os.Stat(filepath.Join(dir, "pharo", "src", "BaselineOfSTUI")); err == nil && fi.IsDir() {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func pharoInstall(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("pharo install", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	dir := fs.String("dir", "", "install into this directory (default $XDG_DATA_HOME/stui/pharo or ~/.local/share/stui/pharo)")
	base := fs.String("files-url", launch.FilesURL, "where Pharo's archives are (a mirror of files.pharo.org)")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(env.Stderr, "stui pharo install: unexpected arguments %q\n", fs.Args())
		return ExitUsage
	}
	if *dir == "" {
		d, err := launch.DataDir(env.Getenv)
		if err != nil {
			fmt.Fprintf(env.Stderr, "stui pharo install: %v\n", err)
			return ExitUsage
		}
		*dir = d
	}
	log := pharoLogger(env.Stderr)
	defer log.Sync()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	vm, image, err := launch.Install(ctx, nil, *base, *dir, log)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui pharo install: %v\n", err)
		return ExitUnreachable
	}
	fmt.Fprintf(env.Stdout, "installed Pharo 12\n  VM:    %s\n  image: %s\nrun 'stui pharo serve' to start STUI in it\n", vm, image)
	return ExitOK
}

func pharoTest(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("pharo test", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	timeout := fs.Duration("timeout", 20*time.Minute, "give up (and kill the VM) after this long")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	vm, image := env.Getenv("STUI_PHARO_VM"), env.Getenv("STUI_PHARO_IMAGE")
	if vm == "" || image == "" {
		fmt.Fprintln(env.Stdout, "stui pharo test: skipped: set STUI_PHARO_VM and STUI_PHARO_IMAGE to run STUI's SUnit tests in Pharo")
		return ExitOK
	}
	root := pharoCheckout()
	if root == "" {
		fmt.Fprintln(env.Stderr, "stui pharo test: run it inside a STUI checkout (no pharo/src/BaselineOfSTUI above the current directory)")
		return ExitUsage
	}
	work, err := os.MkdirTemp("", "stui-pharo-test-")
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui pharo test: %v\n", err)
		return ExitUsage
	}
	defer os.RemoveAll(work)
	copied, err := pharoCopyImage(image, work)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui pharo test: copying the image: %v\n", err)
		return ExitUsage
	}
	script := filepath.Join(work, "test.st")
	if err := os.WriteFile(script, scripts.Test, 0o600); err != nil {
		fmt.Fprintf(env.Stderr, "stui pharo test: %v\n", err)
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, vm, "--headless", copied, "st", script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"STUI_SOURCE="+filepath.Join(root, "pharo", "src"),
		"STUI_TESTDATA="+filepath.Join(root, "testdata"))
	cmd.Stdout, cmd.Stderr = env.Stdout, env.Stderr
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return ExitOK
	case ctx.Err() != nil:
		fmt.Fprintf(env.Stderr, "stui pharo test: stopped: %v\n", ctx.Err())
		return ExitUnreachable
	case errors.As(err, &exit):
		fmt.Fprintf(env.Stderr, "stui pharo test: the tests failed (%v)\n", err)
		return ExitSmalltalk
	}
	fmt.Fprintf(env.Stderr, "stui pharo test: running %s: %v\n", vm, err)
	return ExitUnreachable
}

// pharoCopyImage copies image and its .changes into dir, so that a test run never
// changes the user's image, and links the .sources files next to the copy; it answers
// the copy.
func pharoCopyImage(image, dir string) (string, error) {
	base := strings.TrimSuffix(filepath.Base(image), ".image")
	for _, ext := range []string{".image", ".changes"} {
		src := strings.TrimSuffix(image, ".image") + ext
		if err := pharoCopyFile(src, filepath.Join(dir, base+ext)); err != nil {
			if ext == ".changes" && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return "", err
		}
	}
	sources, _ := filepath.Glob(filepath.Join(filepath.Dir(image), "*.sources"))
	for _, s := range sources {
		abs, err := filepath.Abs(s)
		if err != nil {
			return "", err
		}
		if err := os.Symlink(abs, filepath.Join(dir, filepath.Base(s))); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, base+".image"), nil
}

func pharoCopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
