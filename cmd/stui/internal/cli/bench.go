package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/stui-dev/stui/cmd/stui/internal/bench"
)

func init() {
	register(&command{
		Name:    "bench",
		Usage:   "[--requests N] [--load N] [--lsp PATH] [--out DIR] [--png] [--no-libzmq]",
		Summary: "measure STUI's own layers (raw zmq4, bridge, stui-lsp) against stand-in peers, not a Pharo image",
		Order:   90,
		Run:     runBench,
	})
}

const benchHelp = `stui bench measures STUI's own layers side by side, in one run: raw zmq4 REQ/REP, the
bridge, and stui-lsp end to end (an LSP client over pipes -> stui-lsp -> bridge -> peer).
The peers are stand-ins, not Pharo: the Go fake image of bridge/bridgetest (started in
this process) and a libzmq REP peer (bridge/testdata/peer.py, run by /usr/bin/python3
with python3-zmq; skipped when missing). Both answer from testdata/protocol, so the
figures are STUI's own costs; a Pharo image adds its own time on top. Then 8 sessions
send mixed requests at once (hover, completion, Print it, inspect), through the bridge
and through stui-lsp, to the fake image. It needs the source tree (testdata) and
stui-lsp (--lsp, else next to stui, else on PATH).

It prints a Markdown report and writes bench.md, bench.json and, with --png,
bench.png (latency distributions) into --out.
`

func runBench(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "bench", "[flags]")
	usage := fs.Usage
	fs.Usage = func() { fmt.Fprint(env.Stderr, benchHelp+"\n"); usage() }
	var cfg bench.Config
	fs.IntVar(&cfg.Requests, "requests", 10000, "round trips per layer and peer")
	fs.IntVar(&cfg.LoadRequests, "load", 10000, "requests per session in the load part (0: no load part)")
	fs.IntVar(&cfg.Folders, "sessions", 8, "sessions (workspace folders) of the load part")
	fs.StringVar(&cfg.LSP, "lsp", "", "the stui-lsp binary (default: next to stui, else on PATH)")
	fs.StringVar(&cfg.Python, "python", "/usr/bin/python3", "a python3 with the zmq module, for the libzmq peer")
	fs.StringVar(&cfg.Vectors, "vectors", "", "the protocol vectors (default: testdata/protocol of the source tree)")
	fs.BoolVar(&cfg.NoLibzmq, "no-libzmq", false, "skip the libzmq peer")
	out := fs.String("out", ".", "directory of bench.md, bench.json and bench.png")
	png := fs.Bool("png", false, "also draw the latency distributions as bench.png")
	rest, ok := parseArgs(fs, args)
	if !ok {
		return ExitUsage
	}
	if len(rest) > 0 {
		fmt.Fprintf(env.Stderr, "stui bench: unexpected argument %q\n", rest[0])
		return ExitUsage
	}
	if cfg.LoadRequests == 0 {
		cfg.LoadRequests = -1
	}
	if cfg.LSP == "" {
		cfg.LSP = findLSP()
	}
	if cfg.LSP == "" {
		fmt.Fprintln(env.Stderr, "stui bench: no stui-lsp next to stui or on PATH (go build -o . ./cmd/stui-lsp, or pass --lsp); measuring without it")
	}
	cfg.Progress = env.Stderr
	r, err := bench.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stui bench: %v\n", err)
		return ExitUnreachable
	}
	r.Command = "stui " + strings.Join(append([]string{"bench"}, args...), " ")
	md := r.Markdown()
	fmt.Fprint(env.Stdout, md)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(env.Stderr, "stui bench: %v\n", err)
		return ExitUsage
	}
	var js bytes.Buffer
	r.WriteJSON(&js)
	files := map[string][]byte{"bench.md": []byte(md), "bench.json": js.Bytes()}
	if *png {
		var b bytes.Buffer
		if err := r.WritePNG(&b); err != nil {
			fmt.Fprintf(env.Stderr, "stui bench: drawing: %v\n", err)
		} else {
			files["bench.png"] = b.Bytes()
		}
	}
	for name, b := range files {
		p := filepath.Join(*out, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			fmt.Fprintf(env.Stderr, "stui bench: %v\n", err)
			return ExitUsage
		}
		fmt.Fprintf(env.Stderr, "wrote %s\n", p)
	}
	return ExitOK
}

// findLSP answers stui-lsp next to the running stui, or on PATH, or "".
func findLSP() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "stui-lsp")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("stui-lsp"); err == nil {
		return p
	}
	return ""
}
