package position

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestOffset(t *testing.T) {
	tests := []struct {
		name        string
		content     string
		p           Point
		want        int
		wantClamped bool
	}{
		{"start", "abc", Point{0, 0}, 0, false},
		{"ascii middle", "abc\ndef", Point{1, 2}, 6, false},
		{"end of line", "abc\ndef", Point{0, 3}, 3, false},
		{"past end of line clamps", "abc\ndef", Point{0, 10}, 3, true},
		{"past last line clamps to end", "abc\ndef", Point{5, 0}, 7, true},
		{"e acute is one unit, two bytes", "café au lait", Point{0, 4}, 5, false},
		{"after e acute", "café au lait", Point{0, 5}, 6, false},
		{"greek", "Ελλάδα x", Point{0, 6}, 12, false},
		{"greek second line", "a\nΕλλάδα x", Point{1, 7}, 15, false},
		{"emoji is two units, four bytes", "a😀b", Point{0, 3}, 5, false},
		{"inside surrogate pair rounds down", "a😀b", Point{0, 2}, 1, true},
		{"crlf second line", "ab\r\ncd", Point{1, 1}, 5, false},
		{"crlf past end of line stays before terminator", "ab\r\ncd", Point{0, 4}, 2, true},
		{"cr line ends", "ab\rcd\ref", Point{2, 1}, 7, false},
		{"empty last line after newline", "ab\n", Point{1, 0}, 3, false},
		{"empty document", "", Point{0, 0}, 0, false},
		{"invalid utf8 counts one unit", "a\xffb", Point{0, 2}, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, clamped := NewMapper([]byte(tt.content)).Offset(tt.p)
			if got != tt.want || clamped != tt.wantClamped {
				t.Errorf("Offset(%v) in %q = %d, %v; want %d, %v", tt.p, tt.content, got, clamped, tt.want, tt.wantClamped)
			}
		})
	}
}

func TestPoint(t *testing.T) {
	tests := []struct {
		name        string
		content     string
		offset      int
		want        Point
		wantClamped bool
	}{
		{"start", "abc", 0, Point{0, 0}, false},
		{"second line", "abc\ndef", 5, Point{1, 1}, false},
		{"at newline", "abc\ndef", 3, Point{0, 3}, false},
		{"after e acute", "café au lait", 5, Point{0, 4}, false},
		{"inside e acute rounds down", "café au lait", 4, Point{0, 3}, true},
		{"greek", "Ελλάδα x", 12, Point{0, 6}, false},
		{"after emoji", "a😀b", 5, Point{0, 3}, false},
		{"inside emoji", "a😀b", 3, Point{0, 1}, true},
		{"crlf: at cr", "ab\r\ncd", 2, Point{0, 2}, false},
		{"crlf: at lf is inside the terminator", "ab\r\ncd", 3, Point{0, 2}, true},
		{"crlf: next line", "ab\r\ncd", 4, Point{1, 0}, false},
		{"cr: next line", "ab\rcd", 3, Point{1, 0}, false},
		{"end", "ab\ncd", 5, Point{1, 2}, false},
		{"past end clamps", "ab\ncd", 9, Point{1, 2}, true},
		{"negative clamps", "ab", -1, Point{0, 0}, true},
		{"empty last line", "ab\n", 3, Point{1, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, clamped := NewMapper([]byte(tt.content)).Point(tt.offset)
			if got != tt.want || clamped != tt.wantClamped {
				t.Errorf("Point(%d) in %q = %v, %v; want %v, %v", tt.offset, tt.content, got, clamped, tt.want, tt.wantClamped)
			}
		})
	}
}

func TestRangeAndOffsets(t *testing.T) {
	content := "| x |\r\nx := 'Ελλάδα 😀'.\r\nx size"
	m := NewMapper([]byte(content))
	start := strings.Index(content, "'Ε")
	end := strings.Index(content, ".")
	r, clamped := m.Range(start, end)
	if clamped {
		t.Fatalf("Range(%d, %d) clamped", start, end)
	}
	want := Range{Start: Point{1, 5}, End: Point{1, 5 + 1 + 6 + 1 + 2 + 1}}
	if r != want {
		t.Errorf("Range(%d, %d) = %v; want %v", start, end, r, want)
	}
	s, e, clamped := m.Offsets(r)
	if s != start || e != end || clamped {
		t.Errorf("Offsets(%v) = %d, %d, %v; want %d, %d, false", r, s, e, clamped, start, end)
	}
	s, e, clamped = m.Offsets(Range{Start: Point{2, 3}, End: Point{2, 1}})
	if s != e || !clamped {
		t.Errorf("Offsets of a reversed range = %d, %d, %v; want an empty clamped range", s, e, clamped)
	}
	if got := m.LineCount(); got != 3 {
		t.Errorf("LineCount() = %d; want 3", got)
	}
}

// reference computes the Point of offset the slow way: split into lines, encode each in
// UTF-16. It is what the Mapper must agree with.
func reference(content string, offset int) Point {
	line, start := 0, 0
	for i := 0; i < offset; i++ {
		switch content[i] {
		case '\n':
			line, start = line+1, i+1
		case '\r':
			if i+1 < len(content) && content[i+1] == '\n' {
				if i+1 == offset {
					break
				}
				i++
			}
			line, start = line+1, i+1
		}
	}
	seg := content[start:offset]
	seg = strings.TrimSuffix(seg, "\r")
	return Point{Line: uint32(line), Character: uint32(len(utf16.Encode([]rune(seg))))}
}

func checkRoundTrip(t *testing.T, content string) {
	m := NewMapper([]byte(content))
	for off := 0; off <= len(content); off++ {
		if off < len(content) && !utf8.RuneStart(content[off]) {
			continue
		}
		if off > 0 && content[off-1] == '\r' && off < len(content) && content[off] == '\n' {
			continue
		}
		p, clamped := m.Point(off)
		if clamped {
			t.Fatalf("Point(%d) in %q clamped", off, content)
		}
		if want := reference(content, off); p != want && utf8.ValidString(content) {
			t.Fatalf("Point(%d) in %q = %v; reference says %v", off, content, p, want)
		}
		back, clamped := m.Offset(p)
		if back != off || clamped {
			t.Fatalf("Offset(Point(%d) = %v) in %q = %d, %v", off, p, content, back, clamped)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, content := range []string{
		"", "a", "\n", "\r\n", "\r", "\r\r\n\n",
		"café\r\nΕλλάδα\rx😀y\n\n🇬🇷 flag",
		"a\xff\xfe b\n\xf0\x9f",
	} {
		checkRoundTrip(t, content)
	}
}

func FuzzMapper(f *testing.F) {
	for _, s := range []string{"café\r\nΕλλάδα\rx😀y\n", "a\xffb", "\r\n\r", ""} {
		f.Add(s, uint32(1), uint32(3), 4)
	}
	// The Smalltalk parser's test files, with their non-ASCII text.
	seeds, _ := filepath.Glob("../../smalltalk/testdata/parse/*.st")
	for _, path := range seeds {
		if src, err := os.ReadFile(path); err == nil {
			f.Add(string(src), uint32(3), uint32(5), len(src)/2)
		}
	}
	f.Fuzz(func(t *testing.T, content string, line, char uint32, offset int) {
		m := NewMapper([]byte(content))
		off, _ := m.Offset(Point{line, char})
		if off < 0 || off > len(content) {
			t.Fatalf("Offset out of range: %d", off)
		}
		p, _ := m.Point(offset)
		if back, _ := m.Offset(p); back < 0 || back > len(content) {
			t.Fatalf("Offset(Point(%d)) out of range: %d", offset, back)
		}
		if len(content) < 200 {
			checkRoundTrip(t, content)
		}
	})
}

func BenchmarkOffset(b *testing.B) {
	content := []byte(strings.Repeat("Ελλάδα café 😀 line of text\r\n", 5000))
	m := NewMapper(content)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Offset(Point{Line: uint32(i % 5000), Character: 20})
	}
}
