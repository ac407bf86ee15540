package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stui-dev/stui/lsp/lsptest"
)

// TestRunShort runs the whole benchmark with few requests: every layer and the load
// part answer without error, and the report writes itself as Markdown, JSON and PNG.
func TestRunShort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, err := lsptest.Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	libzmq := exec.Command("/usr/bin/python3", "-c", "import zmq").Run() == nil
	r, err := Run(ctx, Config{Requests: 100, LoadRequests: 50, LSP: bin})
	if err != nil {
		t.Fatal(err)
	}
	peers := 1
	if libzmq {
		peers = 2
	} else {
		t.Log("no python3-zmq: the libzmq peer is skipped")
	}
	if got, want := len(r.Layers), 3*peers; got != want {
		t.Fatalf("%d layer results, want %d: %+v", got, want, r.Layers)
	}
	for _, l := range r.Layers {
		if l.N != 100 || l.P50us <= 0 || l.P50us > l.P95us || l.P95us > l.P99us {
			t.Errorf("%s/%s: implausible stats %+v", l.Peer, l.Layer, l.Stats)
		}
		sum := 0
		for _, n := range l.Histogram {
			sum += n
		}
		if sum != l.N {
			t.Errorf("%s/%s: the histogram counts %d requests, want %d", l.Peer, l.Layer, sum, l.N)
		}
	}
	if len(r.Ratios) != 3*peers {
		t.Errorf("%d ratios, want %d", len(r.Ratios), 3*peers)
	}
	if len(r.Load) != 2 {
		t.Fatalf("%d load results, want 2 (bridge, stui-lsp)", len(r.Load))
	}
	for _, l := range r.Load {
		if l.Requests != 8*50 || l.Errors != 0 {
			t.Errorf("load through %s: %d requests, %d errors (%s); want 400 and none", l.Through, l.Requests, l.Errors, l.FirstErr)
		}
	}
	md := r.Markdown()
	for _, want := range []string{"| fake image (Go) | raw zmq4 |", "| fake image (Go) | stui-lsp / bridge |", "| bridge | 8 | 400 | 0 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown report lacks %q:\n%s", want, md)
		}
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Layers) != len(r.Layers) {
		t.Errorf("the JSON report does not read back: %v", err)
	}
	var img bytes.Buffer
	if err := r.WritePNG(&img); err != nil {
		t.Fatal(err)
	}
	if p, err := png.Decode(&img); err != nil || p.Bounds().Dy() != panelH*peers {
		t.Errorf("the PNG does not decode to %d panels: %v", peers, err)
	}
}

func TestHistogramBuckets(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{
		{5 * time.Microsecond, 0},
		{10 * time.Microsecond, 0},
		{11 * time.Microsecond, 1},
		{100 * time.Microsecond, 11},
		{time.Millisecond, 21},
		{10 * time.Second, histBuckets - 1},
	} {
		h := histogram([]time.Duration{tc.d})
		if h[tc.want] != 1 {
			t.Errorf("%v: counted in bucket %v, want %d", tc.d, h, tc.want)
		}
	}
}
