package lsptest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"
)

// LoadSettings are the settings of load runs, added to endpoint and tokenFile: a hover
// deadline far above any expected latency, so that a hover answered without the image's
// part (its deadline passed, on a machine loaded by other work) is not taken for a
// wrong answer. The deadline's own behaviour is tested with faults.
var LoadSettings = map[string]any{"deadlines": map[string]any{"hover": 10000}}

// Vars is how many workspace variables each folder's document defines.
const Vars = 8

// A Folder is one workspace folder of a mixed workload: a playground document whose
// statements `vJ := N` define workspace variables with values unique to the folder, so
// that an answer delivered to the wrong session, or to the wrong request, shows.
type Folder struct {
	Index int
	Dir   string
	URI   protocol.DocumentURI
	Text  string
}

// NewFolders makes n folder directories under dir (they stay empty: the documents are
// only opened, never saved) and answers them.
func NewFolders(dir string, n int) ([]Folder, error) {
	fs := make([]Folder, n)
	for i := range fs {
		d := filepath.Join(dir, fmt.Sprintf("folder%d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		fs[i] = Folder{Index: i, Dir: d, URI: FileURI(filepath.Join(d, "play.st")), Text: playground(i)}
	}
	return fs, nil
}

// Dirs answers the folders' directories.
func Dirs(fs []Folder) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Dir
	}
	return out
}

// Value answers the print string of variable j (1-based) in folder i.
func Value(i, j int) string { return fmt.Sprint((i+1)*1000 + j) }

// playground answers folder i's document:
//
//	v1 := 1001.
//	...
//	v8 := 1008.
//	OrderedCollection new.
//	3 @ 4.
//	v
func playground(i int) string {
	var b strings.Builder
	for j := 1; j <= Vars; j++ {
		fmt.Fprintf(&b, "v%d := %s.\n", j, Value(i, j))
	}
	b.WriteString("OrderedCollection new.\n3 @ 4.\nv")
	return b.String()
}

// Op is a kind of request of the mixed workload.
type Op int

const (
	OpHoverClass    Op = iota // hover on a class: describe_class in the image
	OpHoverVariable           // hover on a workspace variable: get_variable in the session
	OpCompletion              // completion of workspace variables: no round trip
	OpPrintIt                 // stui.printIt: evaluate in the session, applyEdit to the client
	OpInspect                 // stui/inspect of an expression: inspect in the session
	numOps
)

func (o Op) String() string {
	return [...]string{"hover-class", "hover-variable", "completion", "print-it", "inspect"}[o]
}

// Ops lists the kinds of requests.
var Ops = []Op{OpHoverClass, OpHoverVariable, OpCompletion, OpPrintIt, OpInspect}

// Open opens the folder's document and defines its variables with Print it, so that
// hovers on them find them in the session.
func (f Folder) Open(ctx context.Context, c *Client) error {
	if err := c.Open(ctx, f.URI, f.Text); err != nil {
		return err
	}
	for j := 1; j <= Vars; j++ {
		if err := f.Do(ctx, c, OpPrintIt, j); err != nil {
			return err
		}
	}
	return nil
}

func (f Folder) line(j int) string { return fmt.Sprintf("v%d := %s", j, Value(f.Index, j)) }

// Do sends one request of kind op (variable j, 1-based, where it matters) and checks the
// answer: an error when it failed or answered something else than it should.
func (f Folder) Do(ctx context.Context, c *Client, op Op, j int) error {
	switch op {
	case OpHoverClass:
		h, err := c.Hover(ctx, f.URI, protocol.Position{Line: Vars, Character: 3})
		if err != nil {
			return err
		}
		if h == nil || !strings.Contains(h.Contents.Value, "OrderedCollection") {
			return fmt.Errorf("hover on OrderedCollection answered %+v", h)
		}
	case OpHoverVariable:
		h, err := c.Hover(ctx, f.URI, protocol.Position{Line: uint32(j - 1), Character: 0})
		if err != nil {
			return err
		}
		if want := "\n" + Value(f.Index, j) + "\n"; h == nil || !strings.Contains(h.Contents.Value, want) {
			return fmt.Errorf("hover on v%d of folder %d answered %+v, want the value %s", j, f.Index, h, Value(f.Index, j))
		}
	case OpCompletion:
		l, err := c.Completion(ctx, f.URI, protocol.Position{Line: Vars + 2, Character: 1})
		if err != nil {
			return err
		}
		want := fmt.Sprintf("v%d", j)
		if l == nil || !slices.ContainsFunc(l.Items, func(it protocol.CompletionItem) bool { return it.Label == want }) {
			return fmt.Errorf("completion of v answered %+v, without %s", l, want)
		}
	case OpPrintIt:
		line := f.line(j)
		arg := map[string]any{"uri": f.URI, "range": protocol.Range{
			Start: protocol.Position{Line: uint32(j - 1)},
			End:   protocol.Position{Line: uint32(j - 1), Character: uint32(len(line))},
		}}
		var res struct {
			PrintString string `json:"print_string"`
			Inserted    string `json:"inserted"`
		}
		if err := c.Execute(ctx, "stui.printIt", arg, &res); err != nil {
			return err
		}
		if want := Value(f.Index, j); res.PrintString != want || res.Inserted != " "+want {
			return fmt.Errorf("Print it of %q in folder %d answered %+v, want %s", line, f.Index, res, want)
		}
	case OpInspect:
		var res struct {
			ClassName  string            `json:"class_name"`
			NamedSlots []json.RawMessage `json:"named_slots"`
		}
		if err := c.Call(ctx, "stui/inspect", map[string]any{"uri": f.URI, "expression": "3 @ 4"}, &res); err != nil {
			return err
		}
		if res.ClassName != "Point" || len(res.NamedSlots) != 2 {
			return fmt.Errorf("stui/inspect of 3 @ 4 answered %+v, want a Point with 2 slots", res)
		}
	default:
		return fmt.Errorf("lsptest: no operation %d", op)
	}
	return nil
}

// LoadResult is the outcome of Load.
type LoadResult struct {
	Requests  int
	Errors    int
	FirstErr  error
	Elapsed   time.Duration
	Latencies map[Op][]time.Duration // every request's round trip, by kind
}

// Throughput answers requests per second.
func (r LoadResult) Throughput() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// All answers every latency, of every kind.
func (r LoadResult) All() []time.Duration {
	var all []time.Duration
	for _, ds := range r.Latencies {
		all = append(all, ds...)
	}
	return all
}

// Load sends perFolder mixed requests in each folder, the folders concurrently (one
// request in flight per folder, as an editor does), kinds and variables drawn with seed.
// It stops early when ctx is done or stop answers true (checked between requests).
func Load(ctx context.Context, c *Client, fs []Folder, perFolder int, seed uint64, stop func() bool) LoadResult {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex // guards res
		res = LoadResult{Latencies: map[Op][]time.Duration{}}
	)
	start := time.Now()
	for _, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(f.Index)))
			lat := map[Op][]time.Duration{}
			n, errs := 0, 0
			var first error
			for range perFolder {
				if ctx.Err() != nil || (stop != nil && stop()) {
					break
				}
				op := Ops[rng.IntN(len(Ops))]
				j := 1 + rng.IntN(Vars)
				t := time.Now()
				err := f.Do(ctx, c, op, j)
				lat[op] = append(lat[op], time.Since(t))
				n++
				if err != nil {
					errs++
					if first == nil {
						first = fmt.Errorf("folder %d, %s: %w", f.Index, op, err)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.Requests += n
			res.Errors += errs
			if res.FirstErr == nil {
				res.FirstErr = first
			}
			for op, ds := range lat {
				res.Latencies[op] = append(res.Latencies[op], ds...)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// Percentile answers the q-quantile (0..1) of ds, which it sorts.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[int(q*float64(len(ds)-1)+0.5)]
}
