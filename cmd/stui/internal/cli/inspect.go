package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/stui-dev/stui/bridge"
)

func init() {
	register(&command{
		Name:    "inspect",
		Usage:   "[flags] EXPRESSION | --handle H",
		Summary: "show an object's slots: an expression's value, or a handle from eval --json",
		Order:   30,
		Run:     runInspect,
	})
}

func runInspect(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "inspect", "[flags] EXPRESSION | --handle H")
	f := addImageFlags(fs, env, 30*time.Second)
	handle := fs.String("handle", "", "inspect the object of this handle (h-N) instead of an expression")
	offset := fs.Int("offset", 0, "first indexed slot to show (0-based)")
	count := fs.Int("count", 100, "how many indexed slots to show")
	rest, ok := parseArgs(fs, args)
	if !ok {
		return ExitUsage
	}
	p := bridge.InspectParams{Handle: *handle, Offset: *offset, Count: *count}
	switch {
	case *handle == "" && len(rest) == 1:
		p.Expression = rest[0]
	case *handle != "" && len(rest) == 0:
	default:
		fmt.Fprintln(env.Stderr, "stui inspect: give one EXPRESSION, or --handle H")
		return ExitUsage
	}
	if *offset < 0 || *count < 0 {
		fmt.Fprintln(env.Stderr, "stui inspect: --offset and --count must not be negative")
		return ExitUsage
	}
	c, ctx, done, err := f.connect(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui: %v\n", err)
		return ExitUsage
	}
	defer done()
	reg := sessionRegistry(c, env)
	defer reg.Close(context.WithoutCancel(ctx))
	s, err := reg.Session(ctx, workFolder())
	if err != nil {
		return failImage(env, f, err)
	}
	res, err := s.Inspect(ctx, p, nil)
	if err != nil {
		return failImage(env, f, err)
	}
	if f.json {
		printJSON(env.Stdout, res)
		return ExitOK
	}
	printInspection(env.Stdout, res)
	return ExitOK
}

func printInspection(w io.Writer, res *bridge.InspectResult) {
	fmt.Fprintf(w, "%s  (%s, %s)\n", res.PrintString, res.ClassName, res.Handle)
	for _, s := range res.NamedSlots {
		fmt.Fprintf(w, "  %-16s %s  (%s, %s)\n", s.Name, s.PrintString, s.ClassName, s.Handle)
	}
	for _, s := range res.IndexedSlots {
		fmt.Fprintf(w, "  [%d]%*s %s  (%s, %s)\n", s.Index, max(0, 13-len(fmt.Sprint(s.Index))), "", s.PrintString, s.ClassName, s.Handle)
	}
	if res.IndexedSize > 0 {
		fmt.Fprintf(w, "  %d indexed slots, %d to %d shown\n", res.IndexedSize, res.Offset+1, res.Offset+res.Count)
	}
}
