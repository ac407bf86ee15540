package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/stui-dev/stui/bridge"
)

func init() {
	register(&command{
		Name:    "ping",
		Usage:   "[--endpoint E] [--token-file F] [--timeout D] [--json]",
		Summary: "check that the image answers, and say which Pharo and STUI it runs",
		Order:   10,
		Run:     runPing,
	})
}

func runPing(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "ping", "[flags]")
	f := addImageFlags(fs, env, 5*time.Second)
	rest, ok := parseArgs(fs, args)
	if !ok {
		return ExitUsage
	}
	if len(rest) > 0 {
		fmt.Fprintf(env.Stderr, "stui ping: unexpected argument %q\n", rest[0])
		return ExitUsage
	}
	c, ctx, done, err := f.connect(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui: %v\n", err)
		return ExitUsage
	}
	defer done()
	start := time.Now()
	var res bridge.PingResult
	if err := c.Call(ctx, bridge.Ping, "", nil, bridge.PingParams{}, &res); err != nil {
		return failImage(env, f, err)
	}
	if f.json {
		printJSON(env.Stdout, res)
		return ExitOK
	}
	fmt.Fprintf(env.Stdout, "pong from %s %s (%s, protocol %d) at %s in %s\n", res.Server, res.ServerVersion,
		res.PharoVersion, res.ProtocolVersion, f.endpoint, time.Since(start).Round(10*time.Microsecond))
	return ExitOK
}
