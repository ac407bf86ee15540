package lsptest

import (
	"context"
	"flag"
	"testing"
	"time"
)

// loadRequests is the number of requests per folder of TestLoad. CI runs the default;
// the full load is -load.requests=10000.
var loadRequests = flag.Int("load.requests", 250, "requests per workspace folder in TestLoad (full load: 10000)")

// TestLoad sends mixed requests (hover on a class and on a workspace variable,
// completion, Print it, stui/inspect) from 8 workspace folders at once, each with its
// own session, through the stui-lsp binary to the fake image. Every answer is checked:
// the values of the variables differ per folder and per variable, so an answer given to
// the wrong session or the wrong request fails the test. Throughput and latencies are
// logged, not asserted.
func TestLoad(t *testing.T) {
	e := start(t, setup{folders: 8, settings: LoadSettings})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res := Load(ctx, e.c, e.folders, *loadRequests, 1, nil)
	if res.Requests != 8**loadRequests {
		t.Fatalf("%d requests sent, want %d (ctx: %v)", res.Requests, 8**loadRequests, ctx.Err())
	}
	if res.Errors > 0 {
		t.Fatalf("%d of %d requests failed; the first: %v", res.Errors, res.Requests, res.FirstErr)
	}
	all := res.All()
	t.Logf("8 folders × %d requests: %d in %v, %.0f requests/s, p50 %v, p95 %v, p99 %v",
		*loadRequests, res.Requests, res.Elapsed.Round(time.Millisecond), res.Throughput(),
		Percentile(all, 0.50), Percentile(all, 0.95), Percentile(all, 0.99))
	for _, op := range Ops {
		ds := res.Latencies[op]
		t.Logf("  %-15s %6d  p50 %v  p95 %v", op, len(ds), Percentile(ds, 0.50), Percentile(ds, 0.95))
	}
	// Each folder kept its own session: the image saw 8 sessions created, no more.
	sessions := map[string]bool{}
	for _, r := range e.img.Requests() {
		if r.SessionID != "" {
			sessions[r.SessionID] = true
		}
	}
	if len(sessions) != 8 {
		t.Errorf("the image saw %d sessions, want 8 (one per folder)", len(sessions))
	}
}
