package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/stui-dev/stui/lsp/smalltalk/check"
)

func init() {
	register(&command{
		Name:    "check",
		Usage:   "[--syntax] [--api DIR] DIR...",
		Summary: "check the Smalltalk in DIR without Pharo: syntax, classes, selectors, variables",
		Order:   50,
		Run:     runCheck,
	})
}

func runCheck(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	syntax := fs.Bool("syntax", false, "check parsing only")
	apiDir := fs.String("api", "", "the directory of the Pharo API lists (default $STUI_PHARO_API, else shared/pharo-api above DIR)")
	verbose := fs.Bool("v", false, "say what was checked and how long it took")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: stui check [--syntax] [--api DIR] DIR...\n\n"+
			"Checks every .st file under each DIR: every method parses; with no --syntax, every class,\n"+
			"selector and variable is known. Problems print as file:line:col: message; the exit status\n"+
			"is 1 when there are problems. Deliberate cases go in DIR/%s.\n\n", check.ExceptionsFile)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return ExitUsage
	}
	start := time.Now()
	c := &check.Checker{SyntaxOnly: *syntax}
	if !*syntax {
		dir, err := check.FindAPI(*apiDir, env.Getenv("STUI_PHARO_API"), fs.Arg(0))
		if err != nil {
			fmt.Fprintf(env.Stderr, "stui check: %v\n", err)
			return ExitUsage
		}
		if c.API, err = check.LoadAPI(dir); err != nil {
			fmt.Fprintf(env.Stderr, "stui check: %v\n", err)
			return ExitUsage
		}
	}
	n := 0
	for _, dir := range fs.Args() {
		if ctx.Err() != nil {
			return ExitSmalltalk
		}
		problems, err := c.Check(dir)
		if err != nil {
			fmt.Fprintf(env.Stderr, "stui check: %v\n", err)
			return ExitUsage
		}
		for _, p := range problems {
			fmt.Fprintln(env.Stdout, p)
		}
		n += len(problems)
	}
	if *verbose {
		fmt.Fprintf(env.Stderr, "stui check: %d files, %d methods: %d problems in %v\n", c.Files, c.Methods, n, time.Since(start).Round(time.Millisecond))
	}
	if n > 0 {
		return ExitSmalltalk
	}
	return ExitOK
}
