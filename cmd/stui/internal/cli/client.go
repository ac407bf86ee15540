package cli

// What the commands that talk to an image share: the connection flags, the client, the
// session of the current folder, and the mapping of errors to exit codes.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stui-dev/stui/bridge"
)

// cliClientID names stui's sessions in the image, apart from the editors'.
const cliClientID = "stui-cli"

// imageFlags are the flags of every command that talks to an image.
type imageFlags struct {
	endpoint  string
	tokenFile string
	timeout   time.Duration
	json      bool
}

// addImageFlags declares the connection flags on fs, with defaults from env.
func addImageFlags(fs *flag.FlagSet, env *Env, timeout time.Duration) *imageFlags {
	f := &imageFlags{}
	ep := env.Getenv("STUI_ENDPOINT")
	if ep == "" {
		ep = bridge.DefaultEndpoint
	}
	fs.StringVar(&f.endpoint, "endpoint", ep, "the image's STUI endpoint (env STUI_ENDPOINT)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the token (default: env "+bridge.TokenEnv+")")
	fs.DurationVar(&f.timeout, "timeout", timeout, "give up after this long")
	fs.BoolVar(&f.json, "json", false, "print the image's answer as JSON")
	return f
}

// newFlagSet answers a flag set whose errors and usage go to env.Stderr.
func newFlagSet(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: stui %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags anywhere among args and answers the other arguments, in order;
// everything after "--" is an argument. A flag error answers ok false, printed.
func parseArgs(fs *flag.FlagSet, args []string) (rest []string, ok bool) {
	var after []string
	for i, a := range args {
		if a == "--" {
			args, after = args[:i], args[i+1:]
			break
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		if args = fs.Args(); len(args) == 0 {
			return append(rest, after...), true
		}
		rest, args = append(rest, args[0]), args[1:]
	}
}

// connect answers a client for f, and a context bounded by f.timeout. The client and the
// context are released by the answered function.
func (f *imageFlags) connect(ctx context.Context, env *Env) (*bridge.Client, context.Context, func(), error) {
	if err := bridge.CheckEndpoint(f.endpoint); err != nil {
		return nil, nil, nil, err
	}
	if f.timeout <= 0 {
		return nil, nil, nil, fmt.Errorf("--timeout must be positive, not %v", f.timeout)
	}
	tok, err := readTokenEnv(env, f.tokenFile)
	if err != nil {
		return nil, nil, nil, err
	}
	c := bridge.NewClient(bridge.Config{Endpoint: f.endpoint, Token: tok})
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	return c, ctx, func() { cancel(); c.Close() }, nil
}

// readTokenEnv is bridge.ReadToken reading the environment through env.
func readTokenEnv(env *Env, file string) (string, error) {
	if file != "" {
		return bridge.ReadToken("", file)
	}
	return strings.TrimSpace(env.Getenv(bridge.TokenEnv)), nil
}

// sessionRegistry answers the registry of stui's sessions, keeping its state where the user's
// state directory is (XDG_STATE_HOME or ~/.local/state), as env says.
func sessionRegistry(c *bridge.Client, env *Env) *bridge.Registry {
	state := ""
	if dir := env.Getenv("XDG_STATE_HOME"); dir != "" {
		state = filepath.Join(dir, "stui", "sessions.json")
	}
	return bridge.NewRegistry(c, bridge.RegistryOptions{
		ClientID: cliClientID, StateFile: state,
		OnLost: func(folder string, lost []string) {
			msg := ""
			if len(lost) > 0 {
				msg = "; its variables were lost: " + strings.Join(lost, ", ")
			}
			fmt.Fprintf(env.Stderr, "stui: the image no longer knew the session of %s, so a new one was created%s\n", folder, msg)
		},
	})
}

// workFolder answers the workspace folder the command works in: the current directory.
func workFolder() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	return dir
}

// failImage prints what went wrong, in one line, and answers the exit code for it.
func failImage(env *Env, f *imageFlags, err error) int {
	e := bridge.ErrorOf(err)
	switch {
	case e != nil && e.Type == bridge.Unavailable:
		fmt.Fprintf(env.Stderr, "stui: cannot reach Pharo at %s (%s); start Pharo with STUI (`stui pharo serve --image FILE`, or `STUIServer startOn: PORT token: TOKEN` in the image), or pass --endpoint\n", f.endpoint, unavailableReason(e))
		return ExitUnreachable
	case e != nil && e.Type == bridge.Unauthorized:
		fmt.Fprintf(env.Stderr, "stui: %s (set %s, or pass --token-file)\n", e.Error(), bridge.TokenEnv)
		return ExitSmalltalk
	case e != nil:
		fmt.Fprintf(env.Stderr, "stui: %s%s\n", e.Error(), errorWhere(e))
		return ExitSmalltalk
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(env.Stderr, "stui: cancelled")
		return ExitUnreachable
	}
	fmt.Fprintf(env.Stderr, "stui: %v\n", err)
	return ExitUnreachable
}

// unavailableReason says briefly why the image could not be reached.
func unavailableReason(e *bridge.Error) string {
	switch msg := e.Message; {
	case errors.Is(e, context.DeadlineExceeded):
		return "no answer in time"
	case strings.Contains(msg, "connection refused"):
		return "nothing is listening"
	default:
		return msg
	}
}

// errorWhere adds the position of a syntax error, or the exception and innermost frame of an
// evaluation error, to the one-line message.
func errorWhere(e *bridge.Error) string {
	d, err := e.DecodeDetails()
	if err != nil {
		return ""
	}
	switch d := d.(type) {
	case *bridge.SyntaxErrorDetails:
		return fmt.Sprintf(" (line %d, column %d)", d.Line, d.Column)
	case *bridge.EvaluationErrorDetails:
		if len(d.Stack) > 0 {
			return " in " + d.Stack[0].Description
		}
	}
	return ""
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
