// Package bench is `stui bench`: it measures STUI's own layers side by side, in one
// process and one run, against stand-in peers — the Go fake image of bridge/bridgetest
// and a libzmq REP peer (bridge/testdata/peer.py on python3-zmq) — never against Pharo.
// Start with [Run]; the [Report] it answers writes itself as Markdown, JSON and a PNG of
// the latency distributions.
//
// The layers are: raw zmq4 (a zmq4 REQ socket sending the request bytes), the bridge
// (bridge.Client.Call: envelope, JSON, id check, deadlines), and stui-lsp end to end (an
// LSP client over pipes asks the stui-lsp binary for a hover on a class name, which
// stui-lsp answers with one describe_class through the bridge). Every layer sends the
// same describe_class request, and each iteration runs one request of each layer in turn,
// so that all see the same machine load. The load part sends mixed requests from 8
// sessions at once, through the bridge and through stui-lsp, to the fake image.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/go-zeromq/zmq4"
	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
	"github.com/stui-dev/stui/lsp/lsptest"
)

// Config configures a run. Zero values mean the defaults of `stui bench`.
type Config struct {
	Requests     int    // round trips per layer and peer; 0: 10,000
	Folders      int    // sessions of the load part; 0: 8
	LoadRequests int    // requests per session in the load part; 0: 10,000; < 0: no load part
	LSP          string // the stui-lsp binary; "": no end-to-end layer
	Python       string // a python3 with zmq; "": /usr/bin/python3
	Vectors      string // the protocol vectors; "": bridgetest.VectorDir()
	PeerScript   string // bridge/testdata/peer.py; "": found next to the vectors
	NoLibzmq     bool   // skip the libzmq peer
	Progress     io.Writer
}

func (c Config) withDefaults() Config {
	if c.Requests <= 0 {
		c.Requests = 10000
	}
	if c.Folders <= 0 {
		c.Folders = 8
	}
	if c.LoadRequests == 0 {
		c.LoadRequests = 10000
	}
	if c.Python == "" {
		c.Python = "/usr/bin/python3"
	}
	if c.Vectors == "" {
		c.Vectors = bridgetest.VectorDir()
	}
	if c.PeerScript == "" {
		c.PeerScript = filepath.Join(c.Vectors, "..", "..", "bridge", "testdata", "peer.py")
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// Layer names.
const (
	LayerRaw    = "raw zmq4"
	LayerBridge = "bridge"
	LayerLSP    = "stui-lsp"
)

// Peer names.
const (
	PeerFake   = "fake image (Go)"
	PeerLibzmq = "libzmq peer (python3-zmq)"
)

// Stats summarizes the latencies of one series.
type Stats struct {
	N          int     `json:"n"`
	P50us      float64 `json:"p50_us"`
	P95us      float64 `json:"p95_us"`
	P99us      float64 `json:"p99_us"`
	MeanUs     float64 `json:"mean_us"`
	Throughput float64 `json:"throughput_per_s"` // requests per second
}

// LayerResult is one layer against one peer.
type LayerResult struct {
	Peer  string `json:"peer"`
	Layer string `json:"layer"`
	Stats
	// Histogram counts the latencies in logarithmic buckets (HistBuckets), for the plot.
	Histogram []int `json:"histogram"`
}

// Ratio compares two layers against one peer.
type Ratio struct {
	Peer string  `json:"peer"`
	Of   string  `json:"of"`  // the upper layer
	To   string  `json:"to"`  // the lower layer
	P50  float64 `json:"p50"` // Of's p50 / To's p50
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
}

// LoadResult is one load run: Sessions sessions at once, each sending its requests one
// after the other.
type LoadResult struct {
	Through  string  `json:"through"` // LayerBridge or LayerLSP
	Sessions int     `json:"sessions"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	FirstErr string  `json:"first_error,omitempty"`
	Seconds  float64 `json:"seconds"`
	Stats
}

// Report is the outcome of Run.
type Report struct {
	Date     string        `json:"date"`
	Machine  Machine       `json:"machine"`
	Command  string        `json:"command"`
	Requests int           `json:"requests"`
	Layers   []LayerResult `json:"layers"`
	Ratios   []Ratio       `json:"ratios"`
	Load     []LoadResult  `json:"load"`
	Skipped  []string      `json:"skipped,omitempty"`
	Seconds  float64       `json:"seconds"`
}

// Machine describes where the run happened.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	OS      string `json:"os"`
	Go      string `json:"go"`
	LoadAvg string `json:"loadavg"` // at the start of the run
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// Run runs the benchmark. It stops early, with an error, when ctx is done.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	start := time.Now()
	r := &Report{Date: start.UTC().Format("2006-01-02 15:04 UTC"), Machine: machine(), Requests: cfg.Requests}
	if cfg.LSP == "" {
		r.Skipped = append(r.Skipped, "stui-lsp end to end: no stui-lsp binary")
	}

	fake, err := bridgetest.Start(bridgetest.WithVectors(cfg.Vectors))
	if err != nil {
		return nil, fmt.Errorf("starting the fake image: %w", err)
	}
	defer fake.Close()
	fmt.Fprintf(cfg.Progress, "layers against the %s at %s: %d round trips each\n", PeerFake, fake.Endpoint(), cfg.Requests)
	if err := r.layers(ctx, cfg, PeerFake, fake.Endpoint(), fake.Token()); err != nil {
		return nil, err
	}

	if cfg.NoLibzmq {
		r.Skipped = append(r.Skipped, PeerLibzmq+": --no-libzmq")
	} else if peer, err := startPeer(ctx, cfg); err != nil {
		r.Skipped = append(r.Skipped, PeerLibzmq+": "+err.Error())
		fmt.Fprintf(cfg.Progress, "skipping the %s: %v\n", PeerLibzmq, err)
	} else {
		fmt.Fprintf(cfg.Progress, "layers against the %s at %s: %d round trips each\n", PeerLibzmq, peer.endpoint, cfg.Requests)
		err := r.layers(ctx, cfg, PeerLibzmq, peer.endpoint, peer.token)
		peer.stop()
		if err != nil {
			return nil, err
		}
	}

	if cfg.LoadRequests > 0 {
		fmt.Fprintf(cfg.Progress, "load through the bridge: %d sessions × %d requests\n", cfg.Folders, cfg.LoadRequests)
		lr, err := bridgeLoad(ctx, fake, cfg.Folders, cfg.LoadRequests)
		if err != nil {
			return nil, err
		}
		r.Load = append(r.Load, lr)
		if cfg.LSP != "" {
			fmt.Fprintf(cfg.Progress, "load through stui-lsp: %d folders × %d requests\n", cfg.Folders, cfg.LoadRequests)
			lr, err := lspLoad(ctx, cfg, fake)
			if err != nil {
				return nil, err
			}
			r.Load = append(r.Load, lr)
		}
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// describeClass is the request every layer sends.
var describeClass = bridge.DescribeClassParams{ClassName: "OrderedCollection"}

// layers measures every layer against one peer, interleaved.
func (r *Report) layers(ctx context.Context, cfg Config, peer, endpoint, token string) error {
	type layer struct {
		name string
		do   func(context.Context) error
		ds   []time.Duration
		done func()
	}
	var ls []*layer

	raw, err := newRaw(ctx, endpoint, token)
	if err != nil {
		return fmt.Errorf("%s, %s: %w", peer, LayerRaw, err)
	}
	ls = append(ls, &layer{name: LayerRaw, do: raw.call, done: raw.close})

	c := bridge.NewClient(bridge.Config{Endpoint: endpoint, Token: token})
	ls = append(ls, &layer{name: LayerBridge, do: func(ctx context.Context) error {
		var cd bridge.ClassDescription
		if err := c.Call(ctx, bridge.DescribeClass, "", nil, describeClass, &cd); err != nil {
			return err
		}
		if cd.Name != describeClass.ClassName {
			return fmt.Errorf("describe_class answered %q", cd.Name)
		}
		return nil
	}, done: func() { c.Close() }})

	if cfg.LSP != "" {
		h, err := startHover(ctx, cfg.LSP, endpoint, token)
		if err != nil {
			for _, l := range ls {
				l.done()
			}
			return fmt.Errorf("%s, %s: %w", peer, LayerLSP, err)
		}
		ls = append(ls, &layer{name: LayerLSP, do: h.hover, done: h.close})
	}
	defer func() {
		for _, l := range ls {
			l.done()
		}
	}()

	one := func(l *layer) (time.Duration, error) {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		t := time.Now()
		err := l.do(rctx)
		return time.Since(t), err
	}
	for range min(200, cfg.Requests) { // warm up
		for _, l := range ls {
			if _, err := one(l); err != nil {
				return fmt.Errorf("%s, %s (warm-up): %w", peer, l.name, err)
			}
		}
	}
	for _, l := range ls {
		l.ds = make([]time.Duration, 0, cfg.Requests)
	}
	for range cfg.Requests {
		for _, l := range ls {
			d, err := one(l)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", peer, l.name, err)
			}
			l.ds = append(l.ds, d)
		}
	}
	stats := map[string]Stats{}
	for _, l := range ls {
		s := summarize(l.ds)
		stats[l.name] = s
		r.Layers = append(r.Layers, LayerResult{Peer: peer, Layer: l.name, Stats: s, Histogram: histogram(l.ds)})
		fmt.Fprintf(cfg.Progress, "  %-9s p50 %8.1f µs  p95 %8.1f µs  p99 %8.1f µs\n", l.name, s.P50us, s.P95us, s.P99us)
	}
	for _, p := range [][2]string{{LayerBridge, LayerRaw}, {LayerLSP, LayerBridge}, {LayerLSP, LayerRaw}} {
		of, okOf := stats[p[0]]
		to, okTo := stats[p[1]]
		if okOf && okTo {
			r.Ratios = append(r.Ratios, Ratio{Peer: peer, Of: p[0], To: p[1],
				P50: of.P50us / to.P50us, P95: of.P95us / to.P95us, P99: of.P99us / to.P99us})
		}
	}
	return nil
}

func summarize(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var total time.Duration
	for _, d := range s {
		total += d
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	at := func(q float64) float64 { return us(s[int(q*float64(len(s)-1)+0.5)]) }
	return Stats{N: len(s), P50us: at(0.50), P95us: at(0.95), P99us: at(0.99),
		MeanUs: us(total) / float64(len(s)), Throughput: float64(len(s)) / total.Seconds()}
}

// ---- raw zmq4

type rawREQ struct {
	sock zmq4.Socket
	body []byte
}

func newRaw(ctx context.Context, endpoint, token string) (*rawREQ, error) {
	params, _ := json.Marshal(describeClass)
	body, _ := json.Marshal(bridge.Request{Version: bridge.ProtocolVersion, ID: "raw-1", Command: bridge.DescribeClass,
		Token: token, DeadlineMS: 5000, Parameters: params})
	sock := zmq4.NewReq(context.Background())
	// zmq4's Dial can block forever on a peer that never greets: bound it.
	errc := make(chan error, 1)
	go func() { errc <- sock.Dial(endpoint) }()
	select {
	case err := <-errc:
		if err != nil {
			sock.Close()
			return nil, err
		}
	case <-time.After(5 * time.Second):
		sock.Close()
		return nil, errors.New("zmq4 REQ: dial did not complete in 5s")
	case <-ctx.Done():
		sock.Close()
		return nil, ctx.Err()
	}
	return &rawREQ{sock: sock, body: body}, nil
}

// call sends the request and reads the reply. zmq4's Recv has no timeout: should ctx
// end first, the socket is closed, which unblocks it (no goroutine per call, so that the
// raw layer pays for nothing but zmq4).
func (r *rawREQ) call(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { r.sock.Close() })
	defer stop()
	if err := r.sock.Send(zmq4.NewMsg(r.body)); err != nil {
		return err
	}
	msg, err := r.sock.Recv()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("raw zmq4: no reply: %w", ctx.Err())
		}
		return err
	}
	if len(msg.Frames) == 0 || !strings.Contains(string(msg.Frames[len(msg.Frames)-1]), `"OrderedCollection"`) {
		return fmt.Errorf("raw zmq4: unexpected reply %.80q", msg.Frames)
	}
	return nil
}

func (r *rawREQ) close() { r.sock.Close() }

// ---- stui-lsp end to end

type hoverClient struct {
	c   *lsptest.Client
	u   protocol.DocumentURI
	dir string
}

// startHover starts stui-lsp on a temporary folder, connected to endpoint, with a
// document that names a class.
func startHover(ctx context.Context, bin, endpoint, token string) (*hoverClient, error) {
	dir, err := os.MkdirTemp("", "stui-bench-")
	if err != nil {
		return nil, err
	}
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte(token+"\n"), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := lsptest.StartBinary(ictx, bin, lsptest.Options{Folders: []string{dir},
		Settings: map[string]any{"endpoint": endpoint, "tokenFile": tok}},
		[]string{"XDG_STATE_HOME=" + filepath.Join(dir, "state")}, "-logfile", filepath.Join(dir, "stui-lsp.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	h := &hoverClient{c: c, u: lsptest.FileURI(filepath.Join(dir, "play.st")), dir: dir}
	if _, _, err := c.WaitFor(ictx, 0, lsptest.Status("connected")); err != nil {
		h.close()
		return nil, fmt.Errorf("stui-lsp did not connect to %s: %w", endpoint, err)
	}
	if err := c.Open(ictx, h.u, "OrderedCollection new.\n"); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

func (h *hoverClient) hover(ctx context.Context) error {
	hv, err := h.c.Hover(ctx, h.u, protocol.Position{Character: 3})
	if err != nil {
		return err
	}
	if hv == nil || !strings.Contains(hv.Contents.Value, "from the image") {
		return fmt.Errorf("stui-lsp's hover did not come from the image: %+v", hv)
	}
	return nil
}

func (h *hoverClient) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.c.Close(ctx)
	os.RemoveAll(h.dir)
}

// ---- the libzmq peer

type peer struct {
	endpoint, token string
	cmd             *exec.Cmd
	stdin           io.WriteCloser
	done            chan struct{}
}

func startPeer(ctx context.Context, cfg Config) (*peer, error) {
	if _, err := os.Stat(cfg.Python); err != nil {
		return nil, fmt.Errorf("no %s: %w", cfg.Python, err)
	}
	if out, err := exec.CommandContext(ctx, cfg.Python, "-c", "import zmq").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s has no zmq module (Debian: apt-get install python3-zmq): %s", cfg.Python, strings.TrimSpace(string(out)))
	}
	token := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	cmd := exec.Command(cfg.Python, cfg.PeerScript, "--vectors", cfg.Vectors, "--token", token)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &peer{token: token, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
		io.Copy(io.Discard, out)
	}()
	select {
	case s := <-line:
		ep, ok := strings.CutPrefix(strings.TrimSpace(s), "ready ")
		if !ok {
			p.stop()
			return nil, fmt.Errorf("the peer said %q, not ready", s)
		}
		p.endpoint = ep
		return p, nil
	case <-time.After(10 * time.Second):
		p.stop()
		return nil, errors.New("the peer did not start in 10s")
	}
}

// stop closes the peer's stdin (it exits then) and waits; past 5 s it is killed.
func (p *peer) stop() {
	p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}
