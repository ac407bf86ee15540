package lsptest

import (
	"context"
	"flag"
	"io"
	"runtime"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/stui-dev/stui/bridge/bridgetest"
	"github.com/stui-dev/stui/lsp"
)

// soakFor is how long TestSoak runs: CI runs -soak=1m, a long run -soak=30m.
var soakFor = flag.Duration("soak", 0, "run TestSoak this long (CI: 1m; on request: 30m); 0 skips it")

// The bounds of TestSoak: after the warm-up, no sample may exceed the warm-up's last
// sample by more than these.
const (
	soakGoroutines = 25       // goroutines
	soakHeap       = 32 << 20 // bytes of heap in use
	soakRSS        = 64 << 20 // bytes of resident memory
)

type soakSample struct {
	at         time.Duration
	requests   int
	goroutines int
	heap       uint64
	rss        int64
}

func sampleSoak(at time.Duration, requests int) soakSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, _ := ProcRSS(0)
	return soakSample{at: at, requests: requests, goroutines: runtime.NumGoroutine(), heap: ms.HeapInuse, rss: rss}
}

// TestSoak runs stui-lsp (lsp.Serve, in this process, so that its goroutines can be
// counted) against the fake image under the mixed load of TestLoad for -soak, sampling
// goroutines, heap in use and resident memory of the process (stui-lsp, the client and
// the fake image) every few seconds. After a warm-up (a fifth of the run, at most 1
// minute) no sample may exceed the warm-up's last by more than the bounds above.
func TestSoak(t *testing.T) {
	if *soakFor <= 0 {
		t.Skip("run with -soak=1m (CI) or -soak=30m")
	}
	img := bridgetest.NewServer(t)
	dir := t.TempDir()
	fs, err := NewFolders(dir, 8)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]any{"endpoint": img.Endpoint(), "tokenFile": tokenFile(t, img.Token()), "deadlines": LoadSettings["deadlines"]}
	serve := func(ctx context.Context, conn io.ReadWriteCloser) error {
		return lsp.Serve(ctx, conn, lsp.Config{StateDir: t.TempDir(), Logger: soakLogger(t)})
	}
	ctx := testCtx(t)
	c, err := StartInProcess(ctx, serve, Options{Folders: Dirs(fs), Settings: settings, Keep: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			t.Errorf("stui-lsp did not end cleanly: %v", err)
		}
	}()
	if _, _, err := c.WaitFor(ctx, 0, Status("connected")); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if err := f.Open(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	warmup := min(*soakFor/5, time.Minute)
	start := time.Now()
	var samples []soakSample
	var base *soakSample
	requests := 0
	lctx, cancel := context.WithTimeout(context.Background(), *soakFor+time.Minute)
	defer cancel()
	for round := uint64(0); time.Since(start) < *soakFor; round++ {
		res := Load(lctx, c, fs, 100, round, nil)
		requests += res.Requests
		if res.Errors > 0 {
			t.Fatalf("round %d: %d of %d requests failed; the first: %v", round, res.Errors, res.Requests, res.FirstErr)
		}
		img.ForgetRequests()
		if len(samples) > 0 && time.Since(start)-samples[len(samples)-1].at < 2*time.Second {
			continue
		}
		s := sampleSoak(time.Since(start), requests)
		samples = append(samples, s)
		if base == nil && s.at >= warmup {
			base = &samples[len(samples)-1]
			t.Logf("after the warm-up (%v, %d requests): %d goroutines, heap %d MiB, RSS %d MiB",
				s.at.Round(time.Second), s.requests, s.goroutines, s.heap>>20, s.rss>>20)
			continue
		}
		if base != nil {
			if s.goroutines > base.goroutines+soakGoroutines {
				t.Errorf("at %v: %d goroutines, more than %d + %d after the warm-up", s.at.Round(time.Second), s.goroutines, base.goroutines, soakGoroutines)
			}
			if s.heap > base.heap+soakHeap {
				t.Errorf("at %v: heap %d MiB, more than %d + %d MiB after the warm-up", s.at.Round(time.Second), s.heap>>20, base.heap>>20, soakHeap>>20)
			}
			if s.rss > base.rss+soakRSS {
				t.Errorf("at %v: RSS %d MiB, more than %d + %d MiB after the warm-up", s.at.Round(time.Second), s.rss>>20, base.rss>>20, soakRSS>>20)
			}
		}
	}
	if base == nil {
		t.Fatal("the soak ended before its warm-up did")
	}
	last := samples[len(samples)-1]
	maxG, maxH, maxR := 0, uint64(0), int64(0)
	for _, s := range samples {
		if s.at >= base.at {
			maxG, maxH, maxR = max(maxG, s.goroutines), max(maxH, s.heap), max(maxR, s.rss)
		}
	}
	elapsed := time.Since(start)
	t.Logf("%v, %d requests (%.0f/s), %d samples; after the warm-up: goroutines %d..%d (last %d), heap max %d MiB (last %d), RSS max %d MiB (last %d)",
		elapsed.Round(time.Second), requests, float64(requests)/elapsed.Seconds(), len(samples),
		base.goroutines, maxG, last.goroutines, maxH>>20, last.heap>>20, maxR>>20, last.rss>>20)
}

// soakLogger answers a logger of stui-lsp's warnings, kept with the test's output.
func soakLogger(t *testing.T) *zap.Logger {
	return zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
}
