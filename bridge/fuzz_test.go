package bridge

// Fuzz targets of the protocol decoding: what a peer sends is untrusted. Seeds come from
// testdata/protocol (every vector's response, framed as a REP peer frames it) and from
// hand-made frame layouts. CI runs the seeds (go test -run 'Fuzz'); a search runs with
//
//	go test -run '^$' -fuzz FuzzRoundTrip -fuzztime 1m ./bridge/

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// protocolSeeds answers the responses and requests of every vector in testdata/protocol.
func protocolSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "protocol", "*", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no protocol vectors: %v", err)
	}
	var out [][]byte
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var v struct {
			Request, Response json.RawMessage
		}
		if err := json.Unmarshal(b, &v); err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		out = append(out, v.Response, v.Request)
	}
	return out
}

// FuzzDecodeResponse decodes a reply body as the client does (exchange, then
// decodeResult into the result type of every command, then the error's details): any
// input gives a value or an error, never a panic, and a success decodes only from a
// response whose status is success.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range protocolSeeds(f) {
		f.Add(s)
	}
	for _, s := range []string{``, `null`, `[]`, `{}`, `{"version":1,"status":"error"}`, `{"version":1,"status":"success","result":[1]}`,
		`{"version":1,"status":"error","error":{"type":"Timeout","details":"x"}}`, `{"version":1e999}`, "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var resp Response
		if err := json.Unmarshal(body, &resp); err != nil || resp.Version == 0 || resp.Status == "" {
			return // exchange answers Unavailable: not a STUI response
		}
		for _, spec := range Commands {
			err := decodeResult(spec.Name, &resp, spec.Result())
			if err == nil && resp.Status != StatusSuccess {
				t.Fatalf("%s: status %q decoded without error", spec.Name, resp.Status)
			}
			if e := ErrorOf(err); err != nil && e == nil {
				t.Fatalf("%s: decodeResult answered %v, not an *Error", spec.Name, err)
			}
			if e := ErrorOf(err); e != nil {
				_, _ = e.DecodeDetails()
				_ = e.Error()
			}
		}
	})
}

// FuzzGuardScan feeds bytes to the frame scanner in chunks of every size: it never
// panics, agrees with itself whatever the chunking, and fails exactly when a message
// announces more than the cap.
func FuzzGuardScan(f *testing.F) {
	for _, s := range protocolSeeds(f) {
		f.Add(append(append(stuiGreeting(), stuiReady()...), stuiReply(s)...), uint8(7))
	}
	long := make([]byte, 9)
	long[0] = 0x02
	binary.BigEndian.PutUint64(long[1:], 1<<63)
	f.Add(append(append(stuiGreeting(), stuiReady()...), long...), uint8(1))
	f.Add(append(append(stuiGreeting(), stuiReady()...), 0x05, 0xff, 0x01, 0x10), uint8(3))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		const max = 300
		whole := &guard{max: max, greeting: 64}
		errWhole := whole.scan(in)
		step := int(chunk)%17 + 1
		parts := &guard{max: max, greeting: 64}
		var errParts error
		for i := 0; i < len(in) && errParts == nil; i += step {
			errParts = parts.scan(in[i:min(i+step, len(in))])
		}
		if (errWhole == nil) != (errParts == nil) {
			t.Fatalf("in one piece: %v; in pieces of %d: %v", errWhole, step, errParts)
		}
		var tl *errTooLarge
		if errWhole != nil && (!errors.As(errWhole, &tl) || tl.size <= max) {
			t.Fatalf("scan failed with %v, not a message over the cap of %d", errWhole, max)
		}
	})
}

// FuzzRoundTrip lets a peer answer a request with arbitrary bytes, after a well-formed
// ZMTP handshake (or instead of one), over loopback TCP: dial and roundTrip answer a
// reply or an error by the deadline, never panic, and never answer a reply over the cap.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range protocolSeeds(f) {
		f.Add(true, stuiReply(s))
	}
	f.Add(true, stuiReply(bytes.Repeat([]byte("x"), 5000)))
	f.Add(true, []byte{0x04, 0x05, 0x04, 'P', 'I', 'N', 'G', 0x01, 0x00, 0x00, 0x02, '{', '}'})
	f.Add(true, []byte{0x01, 0x00, 0x01, 0x00, 0x00, 0x00})
	f.Add(false, append(stuiGreeting(), stuiReady()...))
	f.Add(false, []byte("HTTP/1.1 200 OK\r\n\r\n"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	f.Fuzz(func(t *testing.T, handshake bool, answer []byte) {
		const max = 4096
		served := make(chan struct{})
		go func() {
			defer close(served)
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			defer nc.Close()
			out := answer
			if handshake {
				out = append(append(stuiGreeting(), stuiReady()...), answer...)
			}
			nc.SetDeadline(time.Now().Add(2 * time.Second))
			nc.Write(out)
			// Read what the client sends until it closes, so that its writes never block
			// and its reads find the answer (a close with unread data would reset it).
			io.Copy(io.Discard, nc)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		deadline, _ := ctx.Deadline()
		cn, err := dial(ctx, ln.Addr().String(), deadline, max)
		if err == nil {
			reply, rerr := cn.roundTrip(ctx, []byte(`{"version":1,"id":"f-1","command":"ping"}`), deadline)
			if rerr == nil && len(reply) > max {
				t.Fatalf("a reply of %d bytes passed the cap of %d", len(reply), max)
			}
			cn.close()
		}
		<-served
	})
}
