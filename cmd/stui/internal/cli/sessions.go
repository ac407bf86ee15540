package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stui-dev/stui/bridge"
)

func init() {
	register(&command{
		Name:    "sessions",
		Usage:   "list [--client ID] | info [SESSION] | close [SESSION]   (SESSION: default this folder's)",
		Summary: "list, describe or close sessions in the image",
		Order:   40,
		Run:     runSessions,
	})
}

func runSessions(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "sessions", "list [--client ID] | info [SESSION] | close [SESSION]")
	f := addImageFlags(fs, env, 10*time.Second)
	client := fs.String("client", cliClientID, "list the sessions of this client (the editors' is stui-lsp)")
	rest, ok := parseArgs(fs, args)
	if !ok {
		return ExitUsage
	}
	if len(rest) == 0 || len(rest) > 2 || (rest[0] == "list" && len(rest) > 1) {
		fs.Usage()
		return ExitUsage
	}
	verb := rest[0]
	if verb != "list" && verb != "info" && verb != "close" {
		fmt.Fprintf(env.Stderr, "stui sessions: unknown action %q: list, info or close\n", verb)
		return ExitUsage
	}
	c, ctx, done, err := f.connect(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui: %v\n", err)
		return ExitUsage
	}
	defer done()

	if verb == "list" {
		var res bridge.ListClientSessionsResult
		if err := c.Call(ctx, bridge.ListClientSessions, "", nil, bridge.ListClientSessionsParams{ClientID: *client}, &res); err != nil {
			return failImage(env, f, err)
		}
		if f.json {
			printJSON(env.Stdout, res)
			return ExitOK
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SESSION\tNAME\tVARIABLES\tLAST USED\tEVALUATING")
		for _, s := range res.Sessions {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%v\n", s.SessionID, s.Name, len(s.Variables), s.LastUsedAt, s.Evaluating)
		}
		tw.Flush()
		return ExitOK
	}

	id := ""
	if len(rest) == 2 {
		id = rest[1]
	} else if known, ok := sessionRegistry(c, env).Known(workFolder()); ok {
		id = known
	} else {
		fmt.Fprintf(env.Stderr, "stui sessions %s: %s has no session yet; name one (see 'stui sessions list')\n", verb, workFolder())
		return ExitUsage
	}
	if verb == "close" {
		var res bridge.CloseSessionResult
		if err := c.Call(ctx, bridge.CloseSession, id, nil, bridge.CloseSessionParams{}, &res); err != nil {
			return failImage(env, f, err)
		}
		if f.json {
			printJSON(env.Stdout, res)
		} else {
			fmt.Fprintf(env.Stdout, "closed %s\n", res.SessionID)
		}
		return ExitOK
	}
	var info bridge.SessionInfo
	if err := c.Call(ctx, bridge.GetSessionInfo, id, nil, bridge.GetSessionInfoParams{}, &info); err != nil {
		return failImage(env, f, err)
	}
	if f.json {
		printJSON(env.Stdout, info)
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "session\t%s\nclient\t%s\nname\t%s\ncreated\t%s\nlast used\t%s\nttl\t%ds\nevaluating\t%v\nvariables\t%s\n",
		info.SessionID, info.ClientID, info.Name, info.CreatedAt, info.LastUsedAt, info.TTLS, info.Evaluating, strings.Join(info.Variables, " "))
	for _, h := range info.History {
		fmt.Fprintf(tw, "[%d]\t%s  ->  %s\n", h.Index, h.Code, h.PrintString)
	}
	tw.Flush()
	return ExitOK
}
