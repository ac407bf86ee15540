package bridge

// This file captures the ZMTP byte vectors in testdata/zmtp from live peers: zmq4 (the
// client STUI ships) and libzmq (through Debian's python3-zmq), each as a REQ client and as
// a REP server. The Smalltalk codec (pharo/src/STUI-ZeroMQ) is tested against every vector
// by STUIZmtpCodecTest; this file is the only place the vectors are made.
//
//	go test ./bridge -run TestZMTPVectors -update-zmtp   # rewrite testdata/zmtp
//	go test ./bridge -run TestZMTPVectors                # compare the live peers with it
//
// The raw server below answers the REQ clients with exactly the bytes the Smalltalk codec
// is tested to write (the greeting and READY of zmq4-rep.json, and reply frames built by the
// same rules), so a passing run also shows that zmq4 and libzmq accept STUI's layout.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

var updateZMTP = flag.Bool("update-zmtp", false, "rewrite testdata/zmtp from live zmq4 and libzmq peers")

const zmtpDir = "../testdata/zmtp"

// zmtpFile is one file of testdata/zmtp: what one peer, in one role, sends on the wire.
type zmtpFile struct {
	Description string       `json:"description"`
	Peer        string       `json:"peer"`
	Socket      string       `json:"socket"`
	Vectors     []zmtpVector `json:"vectors"`
}

// zmtpVector is one unit of bytes as read from the wire, and what it means.
type zmtpVector struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Kind        string        `json:"kind"` // greeting, command or message
	Hex         string        `json:"hex"`
	Greeting    *zmtpGreeting `json:"greeting,omitempty"`
	Command     *zmtpCommand  `json:"command,omitempty"`
	Frames      []zmtpFrame   `json:"frames,omitempty"`
}

type zmtpGreeting struct {
	Major     int    `json:"major"`
	Minor     int    `json:"minor"`
	Mechanism string `json:"mechanism"`
	AsServer  int    `json:"as_server"`
}

type zmtpCommand struct {
	Name       string      `json:"name"`
	Properties [][2]string `json:"properties"`
}

type zmtpFrame struct {
	More    bool   `json:"more"`
	Long    bool   `json:"long"`
	BodyHex string `json:"body_hex"`
}

// The request bodies the REQ clients send, and the reply bodies the REP servers answer:
// real STUI envelopes, padded to land on both sides of the short/long frame boundary.
func zmtpRequests() [][]byte {
	ping := []byte(`{"version":1,"id":"v-1","command":"ping","token":"t","deadline_ms":1000}`)
	return [][]byte{ping, padJSON("v-2", 255), padJSON("v-3", 256), padJSON("v-4", 1000)}
}

func zmtpReplies() [][]byte {
	pong := []byte(`{"version":1,"id":"v-1","status":"success","result":{"pong":true,"server":"STUI"},"timestamp":"2026-11-25T10:00:00.000Z","duration_ms":0.1}`)
	long := bytes.Repeat([]byte("x"), 300)
	long = append(append([]byte(`{"version":1,"id":"v-2","status":"success","result":{"pad":"`), long...), []byte(`"},"timestamp":"2026-11-25T10:00:00.000Z","duration_ms":0.1}`)...)
	return [][]byte{pong, long}
}

// padJSON answers a ping request of exactly size bytes.
func padJSON(id string, size int) []byte {
	head := `{"version":1,"id":"` + id + `","command":"ping","token":"t","deadline_ms":1000,"parameters":{"pad":"`
	tail := `"}}`
	return []byte(head + strings.Repeat("p", size-len(head)-len(tail)) + tail)
}

// reqGreeting and reqReady are what a REQ client sends (zmq4's bytes, READY in canonical
// order); the raw client below uses them against the REP servers.
var (
	reqGreeting = mustHex("ff00000000000000007f0300" + "4e554c4c" + strings.Repeat("00", 16) + "00" + strings.Repeat("00", 31))
	reqReady    = mustHex("0426" + "055245414459" + "0b536f636b65742d54797065" + "00000003" + "524551" + "084964656e74697479" + "00000000")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestZMTPVectorsConsistent reads every vector and checks that its bytes say what its
// fields say, with a small ZMTP reader of its own. It needs no peer and always runs.
func TestZMTPVectorsConsistent(t *testing.T) {
	files := readZMTPFiles(t)
	if len(files) < 4 {
		t.Fatalf("testdata/zmtp has %d vector files, want 4 (zmq4-req, zmq4-rep, libzmq-req, libzmq-rep); run with -update-zmtp", len(files))
	}
	for name, f := range files {
		if f.Description == "" || f.Peer == "" || f.Socket == "" {
			t.Errorf("%s: description, peer and socket must be set", name)
		}
		for _, v := range f.Vectors {
			t.Run(name+"/"+v.Name, func(t *testing.T) {
				if v.Description == "" {
					t.Errorf("no description")
				}
				raw, err := hex.DecodeString(v.Hex)
				if err != nil {
					t.Fatalf("hex: %v", err)
				}
				got, err := decodeZMTP(v.Kind, bytes.NewReader(raw))
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				got.Name, got.Description, got.Hex = v.Name, v.Description, v.Hex
				if d := diffVector(v, got, true); d != "" {
					t.Errorf("bytes and fields disagree: %s", d)
				}
			})
		}
	}
}

// TestZMTPVectorsSTUILayout checks the layout decisions the Smalltalk codec is tested
// against: its greeting is byte for byte zmq4's REP greeting, its READY libzmq's REP READY,
// and its reply frames are those of both REP servers.
func TestZMTPVectorsSTUILayout(t *testing.T) {
	files := readZMTPFiles(t)
	for name, vector := range map[string]string{"zmq4-rep.json": "greeting", "libzmq-rep.json": "ready"} {
		f, ok := files[name]
		if !ok {
			t.Fatalf("testdata/zmtp/%s is missing; run with -update-zmtp", name)
		}
		want := stuiGreeting()
		if vector == "ready" {
			want = stuiReady()
		}
		if got := vectorBytes(t, f, vector); !bytes.Equal(got, want) {
			t.Errorf("%s %s\n got %x\nwant %x (STUI's)", name, vector, got, want)
		}
	}
	for _, name := range []string{"zmq4-rep.json", "libzmq-rep.json"} {
		f, ok := files[name]
		if !ok {
			t.Errorf("testdata/zmtp/%s is missing", name)
			continue
		}
		for i, body := range zmtpReplies() {
			vname := fmt.Sprintf("reply-%d", i+1)
			if got, want := vectorBytes(t, f, vname), stuiReply(body); !bytes.Equal(got, want) {
				t.Errorf("%s %s\n got %x\nwant %x (STUI's)", name, vname, got, want)
			}
		}
	}
}

// stuiGreeting is the greeting STUIZmtpCodec writes: signature with zero padding, version
// 3.0, mechanism NULL, as-server 0, zero filler.
func stuiGreeting() []byte {
	g := make([]byte, 64)
	g[0], g[9], g[10], g[11] = 0xff, 0x7f, 3, 0
	copy(g[12:], "NULL")
	return g
}

// stuiReady is STUIZmtpCodec's READY: Socket-Type REP and nothing else, as libzmq's REP
// writes it (RFC 23 gives Identity to REQ, DEALER and ROUTER peers; zmq4's REP sends a
// random one, which no REQ reads).
func stuiReady() []byte {
	var body bytes.Buffer
	body.WriteByte(5)
	body.WriteString("READY")
	for _, p := range [][2]string{{"Socket-Type", "REP"}} {
		body.WriteByte(byte(len(p[0])))
		body.WriteString(p[0])
		binary.Write(&body, binary.BigEndian, uint32(len(p[1])))
		body.WriteString(p[1])
	}
	return frame(0x04, body.Bytes())
}

// stuiReply is the reply STUIZmtpCodec writes for a REQ peer: the empty delimiter, then
// the body.
func stuiReply(body []byte) []byte {
	return append(frame(0x01, nil), frame(0x00, body)...)
}

func vectorBytes(t *testing.T, f zmtpFile, name string) []byte {
	t.Helper()
	for _, v := range f.Vectors {
		if v.Name == name {
			return mustHex(v.Hex)
		}
	}
	t.Errorf("%s: no vector %q", f.Peer, name)
	return nil
}

// TestZMTPVectors captures the vectors from the live peers and compares them with
// testdata/zmtp, or rewrites it with -update-zmtp.
func TestZMTPVectors(t *testing.T) {
	if testing.Short() {
		t.Skip("live ZMTP peers: not in -short")
	}
	// zmq4 writes READY's properties in map order; capture until Socket-Type comes first,
	// so that the stored vectors are canonical (the comparison ignores the order).
	captured := map[string]zmtpFile{}
	for attempt := 0; attempt < 32; attempt++ {
		captured["zmq4-req.json"] = captureREQ(t, "zmq4 v0.17.0", zmq4REQClient)
		if readyFirst(captured["zmq4-req.json"]) == "Socket-Type" {
			break
		}
	}
	for attempt := 0; attempt < 32; attempt++ {
		captured["zmq4-rep.json"] = captureREP(t, "zmq4 v0.17.0", zmq4REPServer)
		if readyFirst(captured["zmq4-rep.json"]) == "Socket-Type" {
			break
		}
	}
	if python, err := pyzmq(); err != nil {
		if *updateZMTP {
			t.Fatalf("libzmq vectors need python3-zmq: %v", err)
		}
		t.Logf("libzmq peer skipped: %v (install python3-zmq to compare it)", err)
	} else {
		captured["libzmq-req.json"] = captureREQ(t, "libzmq "+python.version, python.reqClient)
		captured["libzmq-rep.json"] = captureREP(t, "libzmq "+python.version, python.repServer)
	}
	if t.Failed() {
		return
	}
	if *updateZMTP {
		for name, f := range captured {
			data, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(zmtpDir, name), append(data, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	stored := readZMTPFiles(t)
	for name, got := range captured {
		want, ok := stored[name]
		if !ok {
			t.Errorf("%s: not in testdata/zmtp; run with -update-zmtp", name)
			continue
		}
		if len(got.Vectors) != len(want.Vectors) {
			t.Errorf("%s: captured %d vectors, stored %d", name, len(got.Vectors), len(want.Vectors))
			continue
		}
		for i := range want.Vectors {
			if d := diffVector(want.Vectors[i], got.Vectors[i], false); d != "" {
				t.Errorf("%s %s: live peer differs from the stored vector (run with -update-zmtp if the peer changed on purpose): %s", name, want.Vectors[i].Name, d)
			}
		}
	}
}

// diffVector compares two vectors. READY properties are compared as a set unless exact,
// since zmq4 writes them in map order.
func diffVector(want, got zmtpVector, exact bool) string {
	if want.Kind != got.Kind {
		return fmt.Sprintf("kind %q, want %q", got.Kind, want.Kind)
	}
	switch want.Kind {
	case "greeting":
		if *want.Greeting != *got.Greeting {
			return fmt.Sprintf("greeting %+v, want %+v", *got.Greeting, *want.Greeting)
		}
	case "command":
		w, g := *want.Command, *got.Command
		if !exact {
			w.Properties, g.Properties = sortedProps(w.Properties), sortedProps(g.Properties)
		}
		if fmt.Sprint(w) != fmt.Sprint(g) {
			return fmt.Sprintf("command %v, want %v", g, w)
		}
		if len(want.Hex) != len(got.Hex) {
			return fmt.Sprintf("command of %d bytes, want %d", len(got.Hex)/2, len(want.Hex)/2)
		}
		if !exact {
			return ""
		}
	case "message":
		if fmt.Sprint(want.Frames) != fmt.Sprint(got.Frames) {
			return fmt.Sprintf("frames %v, want %v", got.Frames, want.Frames)
		}
	}
	if want.Hex != got.Hex {
		return fmt.Sprintf("bytes %s, want %s", got.Hex, want.Hex)
	}
	return ""
}

func readyFirst(f zmtpFile) string {
	for _, v := range f.Vectors {
		if v.Command != nil && len(v.Command.Properties) > 0 {
			return v.Command.Properties[0][0]
		}
	}
	return ""
}

// sortedProps answers the properties sorted by name, with zmq4's random Identity values
// reduced to their length.
func sortedProps(p [][2]string) [][2]string {
	s := append([][2]string(nil), p...)
	for i := range s {
		if s[i][0] == "Identity" {
			s[i][1] = fmt.Sprintf("(%d bytes)", len(s[i][1]))
		}
	}
	sort.Slice(s, func(i, j int) bool { return s[i][0] < s[j][0] })
	return s
}

func readZMTPFiles(t *testing.T) map[string]zmtpFile {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(zmtpDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]zmtpFile{}
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var f zmtpFile
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		files[filepath.Base(n)] = f
	}
	return files
}

// recorder keeps every byte read through it, so that a vector holds exactly what the
// peer wrote.
type recorder struct {
	r   io.Reader
	buf bytes.Buffer
}

func (rc *recorder) Read(p []byte) (int, error) {
	n, err := rc.r.Read(p)
	rc.buf.Write(p[:n])
	return n, err
}

func (rc *recorder) take() string {
	s := hex.EncodeToString(rc.buf.Bytes())
	rc.buf.Reset()
	return s
}

// decodeZMTP reads one greeting, command or message from r.
func decodeZMTP(kind string, r io.Reader) (zmtpVector, error) {
	v := zmtpVector{Kind: kind}
	switch kind {
	case "greeting":
		var g [64]byte
		if _, err := io.ReadFull(r, g[:]); err != nil {
			return v, err
		}
		if g[0] != 0xff || g[9]&1 != 1 {
			return v, errors.New("bad signature")
		}
		v.Greeting = &zmtpGreeting{Major: int(g[10]), Minor: int(g[11]), Mechanism: string(bytes.TrimRight(g[12:32], "\x00")), AsServer: int(g[32])}
		return v, nil
	case "command":
		f, body, err := readFrame(r)
		if err != nil {
			return v, err
		}
		if f.More || len(body) == 0 {
			return v, errors.New("not a command frame")
		}
		n := int(body[0])
		if 1+n > len(body) {
			return v, errors.New("command name overruns the frame")
		}
		c := &zmtpCommand{Name: string(body[1 : 1+n]), Properties: [][2]string{}}
		for p := body[1+n:]; len(p) > 0; {
			kl := int(p[0])
			if 1+kl+4 > len(p) {
				return v, errors.New("property overruns the frame")
			}
			vl := int(binary.BigEndian.Uint32(p[1+kl:]))
			if 1+kl+4+vl > len(p) {
				return v, errors.New("property value overruns the frame")
			}
			c.Properties = append(c.Properties, [2]string{string(p[1 : 1+kl]), string(p[5+kl : 5+kl+vl])})
			p = p[5+kl+vl:]
		}
		v.Command = c
		return v, nil
	case "message":
		for {
			f, _, err := readFrame(r)
			if err != nil {
				return v, err
			}
			v.Frames = append(v.Frames, f)
			if !f.More {
				return v, nil
			}
		}
	}
	return v, fmt.Errorf("unknown kind %q", kind)
}

// readFrame reads one frame; a command frame is answered with More false.
func readFrame(r io.Reader) (zmtpFrame, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return zmtpFrame{}, nil, err
	}
	flags, size := h[0], uint64(h[1])
	if flags&^0x07 != 0 {
		return zmtpFrame{}, nil, fmt.Errorf("reserved flag bits set: %#x", flags)
	}
	if flags&0x02 != 0 {
		var l [8]byte
		l[0] = h[1]
		if _, err := io.ReadFull(r, l[1:]); err != nil {
			return zmtpFrame{}, nil, err
		}
		size = binary.BigEndian.Uint64(l[:])
	}
	if size > 1<<20 {
		return zmtpFrame{}, nil, fmt.Errorf("frame of %d bytes: too large for a vector", size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return zmtpFrame{}, nil, err
	}
	return zmtpFrame{More: flags&0x01 != 0, Long: flags&0x02 != 0, BodyHex: hex.EncodeToString(body)}, body, nil
}

// reqClient sends each request through a REQ socket connected to endpoint and answers
// the replies it received.
type reqClient func(t *testing.T, endpoint string, requests [][]byte) ([][]byte, error)

// repServer starts a REP server that answers the given replies in turn; it answers the
// endpoint and a function that waits for the server to finish.
type repServer func(t *testing.T, replies [][]byte) (endpoint string, wait func() error, err error)

// captureREQ serves a REQ client from a raw TCP socket with STUI's bytes, and records
// what the client sends.
func captureREQ(t *testing.T, peer string, client reqClient) zmtpFile {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	requests := zmtpRequests()
	type result struct {
		vectors []zmtpVector
		err     error
	}
	done := make(chan result, 1)
	go func() {
		vs, err := serveRaw(ln, requests)
		done <- result{vs, err}
	}()
	replies, cerr := client(t, "tcp://"+ln.Addr().String(), requests)
	var res result
	select {
	case res = <-done:
	case <-time.After(15 * time.Second):
		ln.Close()
		t.Fatalf("%s REQ: raw server did not finish within 15s", peer)
	}
	if res.err != nil {
		t.Fatalf("%s REQ: raw server: %v", peer, res.err)
	}
	if cerr != nil {
		t.Fatalf("%s REQ client: %v", peer, cerr)
	}
	for i, r := range replies {
		if want := echoReply(requests[i]); !bytes.Equal(r, want) {
			t.Errorf("%s REQ got reply %q, want %q: it did not accept STUI's reply frames", peer, r, want)
		}
	}
	return zmtpFile{
		Description: fmt.Sprintf("What a %s REQ client writes to a REP server: greeting, READY, then requests of %d, 255 (largest short frame), 256 (smallest long frame) and 1000 bytes, each after the REQ envelope's empty delimiter frame. The server was a raw socket writing STUI's greeting, READY and reply frames, which the client accepted.", peer, len(requests[0])),
		Peer:        peer,
		Socket:      "REQ",
		Vectors:     res.vectors,
	}
}

func echoReply(request []byte) []byte { return append([]byte("re:"), request[:16]...) }

// vectorLog decodes what a peer writes on a recorded connection into named vectors.
type vectorLog struct {
	rc *recorder
	vs []zmtpVector
}

// read decodes the next item of kind ("greeting", "command" or "message") and records it.
func (l *vectorLog) read(kind, name, desc string) error {
	v, err := decodeZMTP(kind, l.rc)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	v.Name, v.Description, v.Hex = name, desc, l.rc.take()
	l.vs = append(l.vs, v)
	return nil
}

// serveRaw accepts one connection and plays STUI's REP side with fixed bytes.
func serveRaw(ln net.Listener, requests [][]byte) ([]zmtpVector, error) {
	conn, err := ln.Accept()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	vl := &vectorLog{rc: &recorder{r: conn}}
	if _, err := conn.Write(stuiGreeting()); err != nil {
		return nil, err
	}
	if err := vl.read("greeting", "greeting", "The client's 64-byte greeting: signature, version, mechanism NULL, as-server 0."); err != nil {
		return nil, err
	}
	if _, err := conn.Write(stuiReady()); err != nil {
		return nil, err
	}
	if err := vl.read("command", "ready", "The client's READY command: Socket-Type REQ, then Identity (empty from libzmq, a random UUID from zmq4)."); err != nil {
		return nil, err
	}
	for i, req := range requests {
		name := fmt.Sprintf("request-%d", i+1)
		if err := vl.read("message", name, fmt.Sprintf("A request of %d bytes: the empty delimiter frame (MORE), then the JSON frame.", len(req))); err != nil {
			return nil, err
		}
		if _, err := conn.Write(stuiReply(echoReply(req))); err != nil {
			return nil, err
		}
	}
	return vl.vs, nil
}

// captureREP plays a REQ client on a raw socket against a REP server and records what the
// server writes.
func captureREP(t *testing.T, peer string, server repServer) zmtpFile {
	t.Helper()
	replies := zmtpReplies()
	endpoint, wait, err := server(t, replies)
	if err != nil {
		t.Fatalf("%s REP: %v", peer, err)
	}
	vs, err := clientRaw(strings.TrimPrefix(endpoint, "tcp://"), len(replies))
	if err != nil {
		t.Fatalf("%s REP: raw client: %v", peer, err)
	}
	if err := wait(); err != nil {
		t.Fatalf("%s REP server: %v", peer, err)
	}
	return zmtpFile{
		Description: fmt.Sprintf("What a %s REP server writes to a REQ client: greeting, READY, then two replies (%d and %d bytes), each after the empty delimiter frame that REP restores. STUI's REP side writes zmq4's greeting (version 3.0, zero padding), libzmq's READY (Socket-Type REP only) and the reply frames of both.", peer, len(replies[0]), len(replies[1])),
		Peer:        peer,
		Socket:      "REP",
		Vectors:     vs,
	}
}

func clientRaw(addr string, n int) ([]zmtpVector, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return nil, err
	}
	vl := &vectorLog{rc: &recorder{r: conn}}
	if _, err := conn.Write(reqGreeting); err != nil {
		return nil, err
	}
	if err := vl.read("greeting", "greeting", "The server's 64-byte greeting: signature, version, mechanism NULL, as-server 0."); err != nil {
		return nil, err
	}
	if _, err := conn.Write(reqReady); err != nil {
		return nil, err
	}
	if err := vl.read("command", "ready", "The server's READY command, with Socket-Type REP."); err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		req := []byte(fmt.Sprintf(`{"version":1,"id":"v-%d","command":"ping","token":"t"}`, i+1))
		if _, err := conn.Write(stuiReply(req)); err != nil { // a request is framed like a reply
			return nil, err
		}
		if err := vl.read("message", fmt.Sprintf("reply-%d", i+1), "A reply: the empty delimiter frame (MORE), then the JSON frame."); err != nil {
			return nil, err
		}
	}
	return vl.vs, nil
}

func zmq4REQClient(t *testing.T, endpoint string, requests [][]byte) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sock := zmq4.NewReq(ctx, zmq4.WithDialerTimeout(5*time.Second))
	defer sock.Close()
	if err := sock.Dial(endpoint); err != nil {
		return nil, err
	}
	var replies [][]byte
	for _, r := range requests {
		if err := sock.Send(zmq4.NewMsg(r)); err != nil {
			return replies, err
		}
		msg, err := sock.Recv()
		if err != nil {
			return replies, err
		}
		replies = append(replies, msg.Bytes())
	}
	return replies, nil
}

func zmq4REPServer(t *testing.T, replies [][]byte) (string, func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	sock := zmq4.NewRep(ctx)
	if err := sock.Listen("tcp://127.0.0.1:0"); err != nil {
		cancel()
		return "", nil, err
	}
	done := make(chan error, 1)
	go func() {
		for _, r := range replies {
			if _, err := sock.Recv(); err != nil {
				done <- err
				return
			}
			if err := sock.Send(zmq4.NewMsg(r)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	wait := func() error {
		defer cancel()
		defer sock.Close()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("zmq4 REP did not finish within 10s")
		}
	}
	return "tcp://" + sock.Addr().String(), wait, nil
}

// pyzmqPeer drives libzmq through Debian's python3-zmq (/usr/bin/python3; a pyenv python on
// PATH has no zmq).
type pyzmqPeer struct {
	python  string
	version string
}

func pyzmq() (*pyzmqPeer, error) {
	python := os.Getenv("STUI_PYZMQ_PYTHON")
	if python == "" {
		python = "/usr/bin/python3"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", "import zmq; print(zmq.zmq_version(), zmq.__version__)").Output()
	if err != nil {
		return nil, fmt.Errorf("%s cannot import zmq: %v", python, err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return nil, fmt.Errorf("unexpected version line %q", out)
	}
	return &pyzmqPeer{python: python, version: f[0] + " (pyzmq " + f[1] + ")"}, nil
}

const pyREQ = `
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.REQ)
s.setsockopt(zmq.LINGER, 0)
s.setsockopt(zmq.RCVTIMEO, 8000)
s.setsockopt(zmq.SNDTIMEO, 8000)
s.connect(sys.argv[1])
for line in sys.stdin.read().split():
    s.send(bytes.fromhex(line))
    print(s.recv().hex(), flush=True)
s.close()
ctx.term()
`

func (p *pyzmqPeer) reqClient(t *testing.T, endpoint string, requests [][]byte) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.python, "-c", pyREQ, endpoint)
	var in strings.Builder
	for _, r := range requests {
		in.WriteString(hex.EncodeToString(r) + "\n")
	}
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	var replies [][]byte
	for _, line := range strings.Fields(string(out)) {
		b, err := hex.DecodeString(line)
		if err != nil {
			return nil, err
		}
		replies = append(replies, b)
	}
	return replies, nil
}

const pyREP = `
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.REP)
s.setsockopt(zmq.LINGER, 0)
s.setsockopt(zmq.RCVTIMEO, 8000)
port = s.bind_to_random_port("tcp://127.0.0.1")
print(port, flush=True)
for line in sys.argv[1:]:
    s.recv()
    s.send(bytes.fromhex(line))
s.close()
ctx.term()
`

func (p *pyzmqPeer) repServer(t *testing.T, replies [][]byte) (string, func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	args := []string{"-c", pyREP}
	for _, r := range replies {
		args = append(args, hex.EncodeToString(r))
	}
	cmd := exec.CommandContext(ctx, p.python, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return "", nil, err
	}
	var line [16]byte
	n, err := stdout.Read(line[:])
	port, perr := strconv.Atoi(strings.TrimSpace(string(line[:n])))
	if err != nil || perr != nil {
		cancel()
		_ = cmd.Wait()
		return "", nil, fmt.Errorf("no port from the python REP: %v %v: %s", err, perr, stderr.String())
	}
	wait := func() error {
		defer cancel()
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("%v: %s", err, stderr.String())
		}
		return nil
	}
	return fmt.Sprintf("tcp://127.0.0.1:%d", port), wait, nil
}
