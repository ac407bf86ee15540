package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stui-dev/stui/bridge"
)

func init() {
	register(&command{
		Name:  "eval",
		Usage: "[--do] [flags] CODE   (CODE - or none: read it from stdin)",
		Summary: "evaluate Smalltalk in this folder's session and print the result " +
			"(--do: run for effect, print the Transcript)",
		Order: 20,
		Run:   runEval,
	})
}

func runEval(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "eval", "[--do] [flags] CODE")
	f := addImageFlags(fs, env, 30*time.Second)
	do := fs.Bool("do", false, "run the code for effect and print only what it writes to the Transcript")
	rest, ok := parseArgs(fs, args)
	if !ok {
		return ExitUsage
	}
	code, err := codeArg(env, rest)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui eval: %v\n", err)
		return ExitUsage
	}
	mode := bridge.ModePrint
	if *do {
		mode = bridge.ModeDo
	}
	// The evaluation does not stop when stui is interrupted (Ctrl-C): the image is told
	// to interrupt it, and answers Interrupted.
	c, ectx, done, err := f.connect(context.WithoutCancel(ctx), env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui: %v\n", err)
		return ExitUsage
	}
	defer done()
	reg := sessionRegistry(c, env)
	defer reg.Close(context.WithoutCancel(ectx))
	s, err := reg.Session(ectx, workFolder())
	if err != nil {
		return failImage(env, f, err)
	}
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			s.Interrupt(ictx)
		case <-finished:
		}
	}()
	res, err := s.Evaluate(ectx, bridge.EvaluateParams{Code: code, Mode: mode}, nil)
	if err != nil {
		return failImage(env, f, err)
	}
	switch {
	case f.json:
		printJSON(env.Stdout, res)
	case mode == bridge.ModeDo:
		io.WriteString(env.Stdout, res.Transcript)
	default:
		io.WriteString(env.Stdout, res.Transcript)
		fmt.Fprintln(env.Stdout, res.PrintString)
	}
	return ExitOK
}

// codeArg answers the code to evaluate: the one argument, or stdin when it is "-" or
// absent.
func codeArg(env *Env, rest []string) (string, error) {
	switch {
	case len(rest) > 1:
		return "", fmt.Errorf("one CODE argument expected, got %d (quote the code)", len(rest))
	case len(rest) == 1 && rest[0] != "-":
		return rest[0], nil
	}
	b, err := io.ReadAll(io.LimitReader(env.Stdin, bridge.DefaultMaxMessage+1))
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", fmt.Errorf("no code given, as argument or on stdin")
	}
	return string(b), nil
}
