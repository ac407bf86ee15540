package bench

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
)

// The plot: one panel per peer, the latency distribution of each layer as a line (share
// of the requests per logarithmic bucket), x from 10 µs to 100 ms. Drawn with the
// standard library only: a 3×5 pixel font for the labels, scaled up.

const (
	plotW      = 960
	panelH     = 300
	marginL    = 60
	marginR    = 20
	marginT    = 40
	marginB    = 40
	plotDecade = 4 // 10 µs .. 100 ms
	fontScale  = 2
)

var layerColors = map[string]color.RGBA{
	LayerRaw:    {31, 119, 180, 255},
	LayerBridge: {255, 127, 14, 255},
	LayerLSP:    {44, 160, 44, 255},
}

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
	grey  = color.RGBA{210, 210, 210, 255}
)

// WritePNG draws the latency distributions of the layers, one panel per peer.
func (r *Report) WritePNG(w io.Writer) error {
	var peers []string
	for _, l := range r.Layers {
		if !contains(peers, l.Peer) {
			peers = append(peers, l.Peer)
		}
	}
	if len(peers) == 0 {
		return fmt.Errorf("no layers to draw")
	}
	img := image.NewRGBA(image.Rect(0, 0, plotW, panelH*len(peers)))
	fill(img, img.Bounds(), white)
	for i, p := range peers {
		var ls []LayerResult
		for _, l := range r.Layers {
			if l.Peer == p {
				ls = append(ls, l)
			}
		}
		drawPanel(img, image.Rect(0, i*panelH, plotW, (i+1)*panelH), p, ls)
	}
	return png.Encode(w, img)
}

func drawPanel(img *image.RGBA, area image.Rectangle, title string, ls []LayerResult) {
	plot := image.Rect(area.Min.X+marginL, area.Min.Y+marginT, area.Max.X-marginR, area.Max.Y-marginB)
	text(img, area.Min.X+marginL, area.Min.Y+10, strings.ToUpper(title), black)
	// Axes and decade grid lines with their labels.
	labels := []string{"10US", "100US", "1MS", "10MS", "100MS"}
	for d := 0; d <= plotDecade; d++ {
		x := plot.Min.X + d*plot.Dx()/plotDecade
		vline(img, x, plot.Min.Y, plot.Max.Y, grey)
		text(img, x-len(labels[d])*4*fontScale/2, plot.Max.Y+8, labels[d], black)
	}
	hline(img, plot.Min.X, plot.Max.X, plot.Max.Y, black)
	vline(img, plot.Min.X, plot.Min.Y, plot.Max.Y, black)
	text(img, area.Min.X+4, plot.Min.Y, "SHARE", black)
	// Shares per bucket, scaled to the panel's largest.
	top := 0.0
	shares := make([][]float64, len(ls))
	for i, l := range ls {
		shares[i] = make([]float64, len(l.Histogram))
		for b, n := range l.Histogram {
			if l.N > 0 {
				shares[i][b] = float64(n) / float64(l.N)
				top = math.Max(top, shares[i][b])
			}
		}
	}
	if top == 0 {
		return
	}
	text(img, area.Min.X+4, plot.Min.Y+14, fmt.Sprintf("%.0f%%", top*100), black)
	// Bucket b (1..) covers [bucketUpper(b-1), bucketUpper(b)); draw at its middle.
	xOf := func(b int) int {
		lo := math.Log10(bucketUpper(b-1) / histMin)
		mid := lo + 0.5/histPerDecade
		return plot.Min.X + int(mid/plotDecade*float64(plot.Dx()))
	}
	yOf := func(s float64) int { return plot.Max.Y - int(s/top*float64(plot.Dy()-4)) }
	legendX := plot.Max.X - 200
	for i, l := range ls {
		c := layerColors[l.Layer]
		px, py := -1, -1
		for b := 1; b < len(shares[i])-1; b++ {
			x, y := xOf(b), yOf(shares[i][b])
			if x > plot.Max.X {
				break
			}
			if px >= 0 {
				line(img, px, py, x, y, c)
				line(img, px, py+1, x, y+1, c)
			}
			px, py = x, y
		}
		ly := area.Min.Y + 10 + i*14
		fill(img, image.Rect(legendX, ly+2, legendX+20, ly+6), c)
		text(img, legendX+26, ly, fmt.Sprintf("%s P50 %s", strings.ToUpper(l.Layer), strings.ToUpper(strings.ReplaceAll(us(l.P50us), "µ", "U"))), black)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) { fill(img, image.Rect(x0, y, x1+1, y+1), c) }
func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) { fill(img, image.Rect(x, y0, x+1, y1+1), c) }

// line draws a line with Bresenham's algorithm.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		if (image.Point{x0, y0}).In(img.Bounds()) {
			img.SetRGBA(x0, y0, c)
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// text draws s (upper case, digits and a few signs) with the 3×5 font at (x, y).
func text(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for _, r := range s {
		g, ok := glyphs[r]
		if !ok {
			g = glyphs['?']
		}
		for row, bits := range g {
			for col, b := range bits {
				if b == '#' {
					fill(img, image.Rect(x+col*fontScale, y+row*fontScale, x+(col+1)*fontScale, y+(row+1)*fontScale), c)
				}
			}
		}
		x += 4 * fontScale
	}
}

var glyphs = map[rune][5]string{
	'A': {".#.", "#.#", "###", "#.#", "#.#"}, 'B': {"##.", "#.#", "##.", "#.#", "##."},
	'C': {".##", "#..", "#..", "#..", ".##"}, 'D': {"##.", "#.#", "#.#", "#.#", "##."},
	'E': {"###", "#..", "##.", "#..", "###"}, 'F': {"###", "#..", "##.", "#..", "#.."},
	'G': {".##", "#..", "#.#", "#.#", ".##"}, 'H': {"#.#", "#.#", "###", "#.#", "#.#"},
	'I': {"###", ".#.", ".#.", ".#.", "###"}, 'J': {"..#", "..#", "..#", "#.#", ".#."},
	'K': {"#.#", "#.#", "##.", "#.#", "#.#"}, 'L': {"#..", "#..", "#..", "#..", "###"},
	'M': {"#.#", "###", "###", "#.#", "#.#"}, 'N': {"##.", "#.#", "#.#", "#.#", "#.#"},
	'O': {".#.", "#.#", "#.#", "#.#", ".#."}, 'P': {"##.", "#.#", "##.", "#..", "#.."},
	'Q': {".#.", "#.#", "#.#", "##.", ".##"}, 'R': {"##.", "#.#", "##.", "#.#", "#.#"},
	'S': {".##", "#..", ".#.", "..#", "##."}, 'T': {"###", ".#.", ".#.", ".#.", ".#."},
	'U': {"#.#", "#.#", "#.#", "#.#", "###"}, 'V': {"#.#", "#.#", "#.#", "#.#", ".#."},
	'W': {"#.#", "#.#", "###", "###", "#.#"}, 'X': {"#.#", "#.#", ".#.", "#.#", "#.#"},
	'Y': {"#.#", "#.#", ".#.", ".#.", ".#."}, 'Z': {"###", "..#", ".#.", "#..", "###"},
	'0': {"###", "#.#", "#.#", "#.#", "###"}, '1': {".#.", "##.", ".#.", ".#.", "###"},
	'2': {"##.", "..#", ".#.", "#..", "###"}, '3': {"##.", "..#", ".#.", "..#", "##."},
	'4': {"#.#", "#.#", "###", "..#", "..#"}, '5': {"###", "#..", "##.", "..#", "##."},
	'6': {".##", "#..", "###", "#.#", "###"}, '7': {"###", "..#", ".#.", ".#.", ".#."},
	'8': {"###", "#.#", "###", "#.#", "###"}, '9': {"###", "#.#", "###", "..#", "##."},
	'(': {".#.", "#..", "#..", "#..", ".#."}, ')': {".#.", "..#", "..#", "..#", ".#."},
	'-': {"...", "...", "###", "...", "..."}, '/': {"..#", "..#", ".#.", "#..", "#.."},
	'.': {"...", "...", "...", "...", ".#."}, ':': {"...", ".#.", "...", ".#.", "..."},
	'%': {"#.#", "..#", ".#.", "#..", "#.#"}, ' ': {"...", "...", "...", "...", "..."},
	'?': {"##.", "..#", ".#.", "...", ".#."},
}
