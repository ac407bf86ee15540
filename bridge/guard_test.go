package bridge

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// frame encodes one ZMTP frame header and body.
func frame(flags byte, body []byte) []byte {
	if len(body) > 255 {
		h := make([]byte, 9)
		h[0] = flags | 0x02
		binary.BigEndian.PutUint64(h[1:], uint64(len(body)))
		return append(h, body...)
	}
	return append([]byte{flags, byte(len(body))}, body...)
}

func TestGuardScan(t *testing.T) {
	greeting := bytes.Repeat([]byte{0}, 64)
	ready := frame(0x04, bytes.Repeat([]byte{'r'}, 40)) // a command
	msg := func(n int) []byte {
		return append(frame(0x01, nil), frame(0x00, bytes.Repeat([]byte{'x'}, n))...) // [empty, body]
	}
	huge := []byte{0x02, 0x10, 0, 0, 0, 0, 0, 0, 0} // LONG, 2^60 bytes announced
	for _, tc := range []struct {
		name    string
		stream  []byte
		tooBig  bool
		maxSize int
	}{
		{"small messages", concat(greeting, ready, msg(10), msg(300), msg(1000)), false, 1000},
		{"at the cap", concat(greeting, ready, msg(1000)), false, 1000},
		{"one byte over", concat(greeting, ready, msg(1001)), true, 1000},
		{"frames add up", concat(greeting, ready, frame(0x01, bytes.Repeat([]byte{'a'}, 600)), frame(0x00, bytes.Repeat([]byte{'b'}, 600))), true, 1000},
		{"announced, never sent", concat(greeting, ready, huge), true, 1000},
		{"huge command", concat(greeting, []byte{0x06, 0x10, 0, 0, 0, 0, 0, 0, 0}), true, 1000},
	} {
		// Feed the stream in every chunk size, so that headers split across reads.
		for _, chunk := range []int{1, 2, 3, 7, 64, 1 << 20} {
			g := &guard{max: int64(tc.maxSize), greeting: 64}
			var err error
			for b := tc.stream; len(b) > 0 && err == nil; {
				n := min(chunk, len(b))
				err = g.scan(b[:n])
				b = b[n:]
			}
			var tl *errTooLarge
			if got := errors.As(err, &tl); got != tc.tooBig || (err != nil && !got) {
				t.Errorf("%s, chunks of %d: error %v, want too large %v", tc.name, chunk, err, tc.tooBig)
			}
		}
	}
}

func concat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

func TestServerDeadline(t *testing.T) {
	for _, tc := range []struct {
		left time.Duration
		want int64
	}{
		{5 * time.Second, 4800},
		{500 * time.Millisecond, 400},
		{0, 1},
	} {
		if got := serverDeadline(tc.left); got != tc.want {
			t.Errorf("serverDeadline(%v) = %d, want %d", tc.left, got, tc.want)
		}
	}
}
