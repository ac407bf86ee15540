package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
	"github.com/stui-dev/stui/lsp/lsptest"
)

// bridgeLoad sends perSession mixed requests from each of n sessions at once, through
// one bridge.Client and a bridge.Registry, to the fake image: what stui-lsp sends for a
// hover on a class (describe_class), a hover on a workspace variable (get_variable), a
// Print it (evaluate) and an Inspect (inspect). Every answer is checked: the values of
// the variables differ per session, so an answer delivered to the wrong session fails.
func bridgeLoad(ctx context.Context, img *bridgetest.Server, n, perSession int) (LoadResult, error) {
	dir, err := os.MkdirTemp("", "stui-bench-")
	if err != nil {
		return LoadResult{}, err
	}
	defer os.RemoveAll(dir)
	c := bridge.NewClient(bridge.Config{Endpoint: img.Endpoint(), Token: img.Token()})
	defer c.Close()
	reg := bridge.NewRegistry(c, bridge.RegistryOptions{ClientID: "stui-bench", StateFile: filepath.Join(dir, "sessions.json")})
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		reg.Close(cctx)
	}()
	sessions := make([]*bridge.Session, n)
	for i := range sessions {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		s, err := reg.Session(sctx, filepath.Join(dir, fmt.Sprintf("folder%d", i)))
		cancel()
		if err != nil {
			return LoadResult{}, fmt.Errorf("opening session %d: %w", i, err)
		}
		sessions[i] = s
		for j := 1; j <= lsptest.Vars; j++ {
			if err := bridgeOp(ctx, c, s, i, 3, j); err != nil {
				return LoadResult{}, fmt.Errorf("defining the variables of session %d: %w", i, err)
			}
		}
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex // guards res and all
		res = LoadResult{Through: LayerBridge, Sessions: n}
		all []time.Duration
	)
	start := time.Now()
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(1, uint64(i)))
			ds := make([]time.Duration, 0, perSession)
			errs := 0
			var first error
			for range perSession {
				if ctx.Err() != nil {
					break
				}
				t := time.Now()
				err := bridgeOp(ctx, c, s, i, rng.IntN(4), 1+rng.IntN(lsptest.Vars))
				ds = append(ds, time.Since(t))
				if err != nil {
					errs++
					if first == nil {
						first = fmt.Errorf("session %d: %w", i, err)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.Requests += len(ds)
			res.Errors += errs
			if first != nil && res.FirstErr == "" {
				res.FirstErr = first.Error()
			}
			all = append(all, ds...)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.Seconds = elapsed.Seconds()
	res.Stats = summarize(all)
	res.Throughput = float64(res.Requests) / elapsed.Seconds()
	return res, ctx.Err()
}

// bridgeOp sends one request of kind op (0 describe_class, 1 get_variable, 2 inspect,
// 3 evaluate) about variable j of session i, and checks the answer.
func bridgeOp(ctx context.Context, c *bridge.Client, s *bridge.Session, i, op, j int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	name, want := fmt.Sprintf("v%d", j), lsptest.Value(i, j)
	switch op {
	case 0:
		var cd bridge.ClassDescription
		if err := c.Call(ctx, bridge.DescribeClass, "", nil, describeClass, &cd); err != nil {
			return err
		}
		if cd.Name != describeClass.ClassName {
			return fmt.Errorf("describe_class answered %q", cd.Name)
		}
	case 1:
		var v bridge.Variable
		if err := c.Call(ctx, bridge.GetVariable, s.ID(), nil, bridge.GetVariableParams{Name: name}, &v); err != nil {
			return err
		}
		if v.PrintString != want {
			return fmt.Errorf("get_variable %s answered %q, want %q", name, v.PrintString, want)
		}
	case 2:
		res, err := s.Inspect(ctx, bridge.InspectParams{Expression: "3 @ 4", Count: 100}, nil)
		if err != nil {
			return err
		}
		if res.ClassName != "Point" {
			return fmt.Errorf("inspect answered a %s, want a Point", res.ClassName)
		}
	case 3:
		res, err := s.Evaluate(ctx, bridge.EvaluateParams{Code: name + " := " + want, Mode: bridge.ModePrint}, nil)
		if err != nil {
			return err
		}
		if res.PrintString != want {
			return fmt.Errorf("evaluate answered %q, want %q", res.PrintString, want)
		}
	}
	return nil
}

// lspLoad runs lsptest.Load through the stui-lsp binary against the fake image.
func lspLoad(ctx context.Context, cfg Config, img *bridgetest.Server) (LoadResult, error) {
	dir, err := os.MkdirTemp("", "stui-bench-")
	if err != nil {
		return LoadResult{}, err
	}
	defer os.RemoveAll(dir)
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte(img.Token()+"\n"), 0o600); err != nil {
		return LoadResult{}, err
	}
	fs, err := lsptest.NewFolders(dir, cfg.Folders)
	if err != nil {
		return LoadResult{}, err
	}
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := lsptest.StartBinary(ictx, cfg.LSP, lsptest.Options{Folders: lsptest.Dirs(fs), Keep: 1000,
		Settings: map[string]any{"endpoint": img.Endpoint(), "tokenFile": tok, "deadlines": lsptest.LoadSettings["deadlines"]}},
		[]string{"XDG_STATE_HOME=" + filepath.Join(dir, "state")}, "-logfile", filepath.Join(dir, "stui-lsp.log"))
	if err != nil {
		return LoadResult{}, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Close(cctx)
	}()
	if _, _, err := c.WaitFor(ictx, 0, lsptest.Status("connected")); err != nil {
		return LoadResult{}, err
	}
	for _, f := range fs {
		if err := f.Open(ictx, c); err != nil {
			return LoadResult{}, err
		}
	}
	lr := lsptest.Load(ctx, c, fs, cfg.LoadRequests, 1, nil)
	res := LoadResult{Through: LayerLSP, Sessions: cfg.Folders, Requests: lr.Requests, Errors: lr.Errors, Seconds: lr.Elapsed.Seconds()}
	if lr.FirstErr != nil {
		res.FirstErr = lr.FirstErr.Error()
	}
	res.Stats = summarize(lr.All())
	res.Throughput = lr.Throughput()
	return res, ctx.Err()
}
