package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Histogram buckets: histMin µs to histMin·10^histDecades µs, histPerDecade buckets per
// decade (logarithmic), plus one bucket below and one above.
const (
	histMin       = 10.0 // µs
	histDecades   = 5    // up to 1 s
	histPerDecade = 10
	histBuckets   = histDecades*histPerDecade + 2
)

// bucketUpper answers the upper bound of bucket i, in µs (+Inf for the last).
func bucketUpper(i int) float64 {
	if i >= histBuckets-1 {
		return math.Inf(1)
	}
	return histMin * math.Pow(10, float64(i)/histPerDecade)
}

func histogram(ds []time.Duration) []int {
	h := make([]int, histBuckets)
	for _, d := range ds {
		us := float64(d.Nanoseconds()) / 1e3
		i := 0
		if us > histMin {
			i = 1 + int(math.Log10(us/histMin)*histPerDecade)
		}
		h[min(i, histBuckets-1)]++
	}
	return h
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func us(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.1f ms", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.2f ms", v/1000)
	}
	return fmt.Sprintf("%.0f µs", v)
}

// Markdown answers the report as Markdown tables.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s on %s (%d cores, %s, %s), load average %s at the start; %d round trips per layer and peer; %.0f s in all.\n\n",
		r.Date, r.Machine.CPU, r.Machine.Cores, r.Machine.OS, r.Machine.Go, r.Machine.LoadAvg, r.Requests, r.Seconds)
	if r.Command != "" {
		fmt.Fprintf(&b, "Command: `%s`\n\n", r.Command)
	}
	b.WriteString("### Latency by layer (describe_class, one request at a time)\n\n")
	b.WriteString("| peer | layer | p50 | p95 | p99 | mean | requests/s (sequential) |\n|---|---|---|---|---|---|---|\n")
	for _, l := range r.Layers {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.0f |\n", l.Peer, l.Layer, us(l.P50us), us(l.P95us), us(l.P99us), us(l.MeanUs), l.Throughput)
	}
	if len(r.Ratios) > 0 {
		b.WriteString("\n### Ratios between layers\n\n| peer | ratio | p50 | p95 | p99 |\n|---|---|---|---|---|\n")
		for _, x := range r.Ratios {
			fmt.Fprintf(&b, "| %s | %s / %s | %.2f | %.2f | %.2f |\n", x.Peer, x.Of, x.To, x.P50, x.P95, x.P99)
		}
	}
	if len(r.Load) > 0 {
		b.WriteString("\n### Load: sessions at once, mixed requests, against the fake image\n\n")
		b.WriteString("| through | sessions | requests | errors | requests/s | p50 | p95 | p99 |\n|---|---|---|---|---|---|---|---|\n")
		for _, l := range r.Load {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %.0f | %s | %s | %s |\n", l.Through, l.Sessions, l.Requests, l.Errors, l.Throughput, us(l.P50us), us(l.P95us), us(l.P99us))
		}
		for _, l := range r.Load {
			if l.FirstErr != "" {
				fmt.Fprintf(&b, "\nFirst error through %s: %s\n", l.Through, l.FirstErr)
			}
		}
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "\nSkipped: %s\n", s)
	}
	return b.String()
}
