// Package position converts between the positions of the Language Server Protocol (a
// zero-based line and a character counted in UTF-16 code units) and byte offsets into a
// document's UTF-8 content.
//
// Start with [NewMapper], built once per version of a document's content; then
// [Mapper.Offset] turns an LSP [Point] into a byte offset, [Mapper.Point] turns a byte
// offset into a Point, and [Mapper.Range] and [Mapper.Offsets] do the same for ranges.
//
// Lines end with "\n", "\r\n" or "\r", as LSP says. Positions past the end of a line
// clamp to the end of that line, lines past the end of the document clamp to its end,
// and a character in the middle of a surrogate pair (or an offset in the middle of a UTF-8
// sequence) rounds down; every conversion says whether it had to adjust its input.
// Invalid UTF-8 bytes count as one code unit each (U+FFFD), in both directions.
//
// Handlers should never count bytes, runes or UTF-16 units themselves: convert at the
// boundary with a Mapper and work in byte offsets inside.
package position

import (
	"sort"
	"unicode/utf8"
)

// Point is an LSP position: a zero-based line and a zero-based character offset in UTF-16
// code units within that line. The field types match LSP's uinteger.
type Point struct {
	Line      uint32
	Character uint32
}

// Range is an LSP range: End is exclusive.
type Range struct {
	Start, End Point
}

// Mapper converts positions for one version of a document's content. It is immutable and
// safe for concurrent use.
type Mapper struct {
	content []byte
	// lines[i] is the byte offset at which line i starts; ends[i] is the offset of line
	// i's terminator (or len(content) for the last line).
	lines []int
	ends  []int
}

// NewMapper answers a Mapper for content. It keeps content: the caller must not modify it.
func NewMapper(content []byte) *Mapper {
	m := &Mapper{content: content, lines: []int{0}}
	for i := 0; i < len(content); i++ {
		switch content[i] {
		case '\n':
			m.ends = append(m.ends, i)
			m.lines = append(m.lines, i+1)
		case '\r':
			m.ends = append(m.ends, i)
			if i+1 < len(content) && content[i+1] == '\n' {
				i++
			}
			m.lines = append(m.lines, i+1)
		}
	}
	m.ends = append(m.ends, len(content))
	return m
}

// Content answers the content the Mapper was built from.
func (m *Mapper) Content() []byte { return m.content }

// LineCount answers the number of lines; a document always has at least one, and content
// ending with a line terminator has an empty last line.
func (m *Mapper) LineCount() int { return len(m.lines) }

// Offset answers the byte offset of p. clamped reports that p was past the end of its
// line or of the document, or in the middle of a character, and was moved to the nearest
// valid offset before it.
func (m *Mapper) Offset(p Point) (offset int, clamped bool) {
	if int64(p.Line) >= int64(len(m.lines)) {
		return len(m.content), true
	}
	start, end := m.lines[p.Line], m.ends[p.Line]
	want := int(p.Character)
	units := 0
	for i := start; i < end; {
		if units == want {
			return i, false
		}
		r, size := utf8.DecodeRune(m.content[i:end])
		n := utf16Len(r, size)
		if units+n > want { // want is in the middle of a surrogate pair
			return i, true
		}
		units += n
		i += size
	}
	return end, units != want
}

// Point answers the LSP position of the byte offset. clamped reports that offset was
// outside the content, inside a line terminator "\r\n", or in the middle of a UTF-8
// sequence, and was moved to the nearest valid position before it (or to the end).
func (m *Mapper) Point(offset int) (p Point, clamped bool) {
	if offset < 0 {
		return Point{}, true
	}
	if offset > len(m.content) {
		offset, clamped = len(m.content), true
	}
	line := sort.Search(len(m.lines), func(i int) bool { return m.lines[i] > offset }) - 1
	start, end := m.lines[line], m.ends[line]
	if offset > end { // the '\n' of a "\r\n"
		offset, clamped = end, true
	}
	units := 0
	for i := start; i < offset; {
		r, size := utf8.DecodeRune(m.content[i:end])
		if i+size > offset { // offset is inside this character
			clamped = true
			break
		}
		units += utf16Len(r, size)
		i += size
	}
	return Point{Line: uint32(line), Character: uint32(units)}, clamped
}

// Range answers the LSP range of the byte range [start, end). clamped reports that either
// end had to be adjusted (see [Mapper.Point]).
func (m *Mapper) Range(start, end int) (r Range, clamped bool) {
	s, c1 := m.Point(start)
	e, c2 := m.Point(end)
	return Range{Start: s, End: e}, c1 || c2
}

// Offsets answers the byte range of r. clamped reports that either end had to be
// adjusted (see [Mapper.Offset]). If r's end is before its start, end is set to start
// and clamped is true.
func (m *Mapper) Offsets(r Range) (start, end int, clamped bool) {
	start, c1 := m.Offset(r.Start)
	end, c2 := m.Offset(r.End)
	if end < start {
		end, c2 = start, true
	}
	return start, end, c1 || c2
}

// utf16Len answers the number of UTF-16 code units of r, decoded from size bytes.
func utf16Len(r rune, size int) int {
	if r == utf8.RuneError && size <= 1 {
		return 1
	}
	if r >= 0x10000 {
		return 2
	}
	return 1
}
