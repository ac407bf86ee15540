// Package cli implements the stui command line. Each subcommand lives in a file of its
// own and registers itself with register; Main dispatches on the first argument.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes that scripts can rely on; `stui help` documents them.
const (
	ExitOK          = 0 // success
	ExitSmalltalk   = 1 // the image answered an error (syntax, evaluation, not found), or check found problems
	ExitUnreachable = 2 // the image could not be reached within the deadline
	ExitUsage       = 3 // bad usage: unknown command, bad flags or arguments
)

// Version is the version of stui, set at link time with -ldflags "-X ...cli.Version=...".
var Version = "0.1.0-dev"

// Env is what a command may touch of the outside world; tests give their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// StdEnv answers the process's own environment.
func StdEnv() *Env {
	return &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// command is one subcommand.
type command struct {
	Name    string // as typed: "ping", "pharo"
	Usage   string // the argument synopsis, e.g. "[flags] CODE"
	Summary string // one line for `stui help`
	Order   int    // position in `stui help`
	Run     func(ctx context.Context, env *Env, args []string) int
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.Name]; dup {
		panic("cli: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

// Main runs the stui command line with args (without the program name) and answers the
// exit code.
func Main(args []string, env *Env) int {
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprintf(env.Stdout, "usage: stui %s %s\n\n%s\n", c.Name, c.Usage, c.Summary)
				return ExitOK
			}
		}
		usage(env.Stdout)
		return ExitOK
	case "version", "-version", "--version":
		fmt.Fprintf(env.Stdout, "stui %s\n", Version)
		return ExitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "stui: unknown command %q; run 'stui help' for the list\n", args[0])
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.Run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "stui %s: STUI's command line, for a live Pharo image.\n\nusage: stui COMMAND [flags] [args]\n\ncommands:\n", Version)
	list := make([]*command, 0, len(commands))
	for _, c := range commands {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Order != list[j].Order {
			return list[i].Order < list[j].Order
		}
		return list[i].Name < list[j].Name
	})
	for _, c := range list {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Summary)
	}
	fmt.Fprint(w, `  help       this text; 'stui help COMMAND' for one command
  version    print stui's version

flags of ping, eval, inspect and sessions:
  --endpoint E    the image's STUI endpoint (default tcp://127.0.0.1:4044, or env STUI_ENDPOINT)
  --token-file F  the file holding the image's token (default: env STUI_TOKEN)
  --timeout D     give up after D, e.g. 500ms, 10s
  --json          print the image's answer as JSON

exit codes:
  0  success
  1  the image answered an error (syntax, evaluation, not found), or check found problems
  2  the image could not be reached within the deadline
  3  bad usage
`)
}
