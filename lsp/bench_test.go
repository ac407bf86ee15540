package lsp

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// The benchmarks run end to end: the client, stui-lsp (in-process, over net.Pipe), the
// bridge, the fake image over loopback TCP, and back. Each reports its latency
// percentiles; see BENCHMARKS.md.

// measure runs op b.N times, timing each run, and reports the latency percentiles.
func measure(b *testing.B, op func()) {
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		op()
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(q float64) float64 {
		return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))].Microseconds())
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

func benchServer(b *testing.B, cfg Config) (*client, *bridgetest.Server) {
	cfg.Logger = zap.NewNop()
	return withImage(b, testOptions{cfg: cfg})
}

func BenchmarkHover(b *testing.B) {
	c, _ := benchServer(b, Config{})
	text := "OrderedCollection new.\n"
	u := c.open("play.st", text)
	params := &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: positionOf(b, text, "Ordered|Collection"),
	}}
	var h protocol.Hover
	c.call("textDocument/hover", params, &h) // warm: connection dialled
	measure(b, func() {
		c.call("textDocument/hover", params, &h)
	})
	if h.Contents.Value == "" {
		b.Fatal("empty hover")
	}
}

func BenchmarkPrintIt(b *testing.B) {
	c, _ := benchServer(b, Config{})
	text := "3 + 4.\n"
	u := c.open("play.st", text)
	params := &protocol.ExecuteCommandParams{Command: string(CmdPrintIt), Arguments: evalArgs(b, u, text, "3 + 4")}
	var pr PrintItResult
	c.call("workspace/executeCommand", params, &pr) // warm: session created
	measure(b, func() {
		c.call("workspace/executeCommand", params, &pr)
	})
	if pr.PrintString != "7" {
		b.Fatalf("Print it answered %+v", pr)
	}
}

// BenchmarkBridgeEvaluate is the bridge's own round trip for Print it's evaluation, the
// floor BenchmarkPrintIt is compared with.
func BenchmarkBridgeEvaluate(b *testing.B) {
	img := bridgetest.NewServer(b)
	client := bridge.NewClient(bridge.Config{Endpoint: img.Endpoint(), Token: img.Token()})
	defer client.Close()
	reg := bridge.NewRegistry(client, bridge.RegistryOptions{StateFile: b.TempDir() + "/s.json"})
	defer reg.Close(context.Background())
	ctx := context.Background()
	s, err := reg.Session(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	measure(b, func() {
		ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
		res, err := s.Evaluate(ectx, bridge.EvaluateParams{Code: "3 + 4", Mode: bridge.ModePrint}, &bridge.DefaultBudget)
		cancel()
		if err != nil || res.PrintString != "7" {
			b.Fatalf("evaluate: %v %+v", err, res)
		}
	})
}

// BenchmarkCompletion completes from a local index of 10,000 classes and 100,000
// selectors: no round trip to the image.
func BenchmarkCompletion(b *testing.B) {
	indexed := make(chan struct{}, 1)
	c, _ := benchServer(b, Config{onIndexed: func() {
		select {
		case indexed <- struct{}{}:
		default:
		}
	}})
	const nClasses, nSelectors = 10_000, 100_000
	classes := make([]indexedClass, nClasses)
	for i := range classes {
		classes[i] = indexedClass{Name: fmt.Sprintf("Class%05d", i), Superclass: "Object", Package: "Bench",
			ClassSelectors: []string{"new", fmt.Sprintf("with%d:", i)}}
	}
	selectors := make([]string, nSelectors)
	for i := range selectors {
		selectors[i] = fmt.Sprintf("sel%06d:", i)
	}
	conn, err := c.srv.live.conn(c.srv.ws.folderOf(""))
	if err != nil {
		b.Fatal(err)
	}
	// Wait for the first refresh from the fake image, then replace the index.
	select {
	case <-indexed:
	case <-time.After(testDeadline):
		b.Fatal("the completion index was not loaded")
	}
	conn.index.set(classes, selectors)
	text := "x sel0012.\nClass012.\nClass00042 w.\n"
	u := c.open("play.st", text)
	cases := []struct{ name, at string }{
		{"selectors", "x sel0012|."},
		{"classes", "Class012|."},
		{"class-side", "Class00042 w|."},
	}
	for _, cs := range cases {
		b.Run(cs.name, func(b *testing.B) {
			params := &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
				TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: positionOf(b, text, cs.at),
			}}
			var l protocol.CompletionList
			measure(b, func() {
				c.call("textDocument/completion", params, &l)
			})
			if len(l.Items) == 0 {
				b.Fatal("no completions")
			}
		})
	}
}
