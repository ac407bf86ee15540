// Package bridgetest provides a fake STUI image for tests, as net/http/httptest provides
// HTTP servers: a Go STUI server that answers from the protocol vectors in
// testdata/protocol, keeps real sessions, and can be told to misbehave. It is test-only
// code, imported by _test.go files and benchmarks, never by stui-lsp or stui's commands.
//
// Start with [NewServer]:
//
//	srv := bridgetest.NewServer(t)
//	c := bridge.NewClient(bridge.Config{Endpoint: srv.Endpoint(), Token: srv.Token()})
//
// A request whose command and parameters equal those of a vector's request is answered
// with that vector's response (id replaced, timestamp fresh); any other request with its
// command's success.json response. Sessions are tracked for real: create_session answers
// fresh ids, an unknown session id answers SessionNotFound, and Restart forgets them all.
// An evaluate whose vector answers Interrupted (`[true] whileTrue`) runs until an
// interrupt for its session arrives, or until its deadline_ms (then Timeout).
//
// The server serves every connection concurrently, so that an interrupt is answered
// while an evaluation blocks. Faults: SetDelay (slow), Kill, Restart, and SetFault with
// Hang, NoGreeting, Garbage, WrongID or Oversize.
package bridgetest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"

	"github.com/stui-dev/stui/bridge"
)

// A Fault is a way for the server to misbehave.
type Fault int

const (
	NoFault    Fault = iota
	Hang             // accept and read requests, never answer
	NoGreeting       // accept TCP connections and never complete the ZMTP greeting
	Garbage          // answer bytes that are not JSON
	WrongID          // answer with another request's id
	Oversize         // answer a message larger than the oversize limit (WithOversize)
)

func (f Fault) String() string {
	return [...]string{"NoFault", "Hang", "NoGreeting", "Garbage", "WrongID", "Oversize"}[f]
}

// An Option configures a Server.
type Option func(*Server)

// WithToken sets the token the server expects (default: a random one).
func WithToken(tok string) Option { return func(s *Server) { s.token = tok } }

// WithMaxMessage sets the server's cap on a request (default bridge.DefaultMaxMessage).
func WithMaxMessage(n int) Option { return func(s *Server) { s.max = n } }

// WithOversize sets the size of the reply that the Oversize fault sends (default
// bridge.DefaultMaxMessage + 1).
func WithOversize(n int) Option { return func(s *Server) { s.oversize = n } }

// WithFault starts the server with a fault.
func WithFault(f Fault) Option { return func(s *Server) { s.fault = f } }

// WithDelay makes the server wait d before answering each request.
func WithDelay(d time.Duration) Option { return func(s *Server) { s.delay = d } }

// WithVectors makes the server answer from the vectors in dir (default VectorDir()).
func WithVectors(dir string) Option { return func(s *Server) { s.vectorDir = dir } }

// Server is a fake STUI image. Its methods are safe for concurrent use.
type Server struct {
	t         testing.TB
	token     string
	max       int
	oversize  int
	vectorDir string
	byCommand map[bridge.Command][]Vector
	addr      string // host:port, kept across restarts
	wg        sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	ln       net.Listener
	conns    map[net.Conn]bool
	dead     chan struct{} // closed by Kill: wakes the handlers of this generation
	fault    Fault
	delay    time.Duration
	sessions map[string]*session
	nextID   int
	requests []bridge.Request
	changed  chan struct{} // closed and replaced when a request is recorded or an evaluation blocks
	closed   bool
}

type session struct {
	info      bridge.SessionInfo
	vars      map[string]bridge.Value
	order     []string    // variable names in order of definition
	interrupt chan string // set while an evaluation runs: receives the interrupt
	evals     int
}

// NewServer starts a fake image on tcp://127.0.0.1:<free port>. It is closed by
// t.Cleanup; the test fails if the vectors cannot be read.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var b [8]byte
	rand.Read(b[:])
	s := &Server{
		t: t, token: hex.EncodeToString(b[:]), max: bridge.DefaultMaxMessage,
		oversize: bridge.DefaultMaxMessage + 1, vectorDir: VectorDir(),
		conns: map[net.Conn]bool{}, sessions: map[string]*session{}, changed: make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	vs, err := LoadVectors(s.vectorDir)
	if err != nil {
		t.Fatalf("bridgetest: %v", err)
	}
	s.byCommand = map[bridge.Command][]Vector{}
	for _, v := range vs {
		s.byCommand[v.Command] = append(s.byCommand[v.Command], v)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("bridgetest: %v", err)
	}
	s.addr = ln.Addr().String()
	s.start(ln)
	t.Cleanup(s.Close)
	return s
}

// Endpoint answers the server's endpoint, tcp://127.0.0.1:PORT. It stays the same across
// Kill and Restart.
func (s *Server) Endpoint() string { return "tcp://" + s.addr }

// Token answers the token the server expects.
func (s *Server) Token() string { return s.token }

// SetFault changes how the server misbehaves, for connections and requests from now on.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// SetDelay makes the server wait d before answering each request (0: answer at once).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Requests answers the requests received so far, in order.
func (s *Server) Requests() []bridge.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bridge.Request(nil), s.requests...)
}

// WaitFor waits until a request for which match answers true has been received (maybe
// already), or ctx is done.
func (s *Server) WaitFor(ctx context.Context, match func(bridge.Request) bool) error {
	seen := 0
	for {
		s.mu.Lock()
		reqs, changed := s.requests[seen:], s.changed
		seen = len(s.requests)
		s.mu.Unlock()
		for _, r := range reqs {
			if match(r) {
				return nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("bridgetest: no matching request: %w", ctx.Err())
		}
	}
}

// WaitRunning waits until an evaluation blocks in the image, waiting for an interrupt or
// its deadline (see the package comment), and answers its session id.
func (s *Server) WaitRunning(ctx context.Context) (sessionID string, err error) {
	for {
		s.mu.Lock()
		changed := s.changed
		for id, ss := range s.sessions {
			if ss.interrupt != nil {
				sessionID = id
			}
		}
		s.mu.Unlock()
		if sessionID != "" {
			return sessionID, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return "", fmt.Errorf("bridgetest: no evaluation running: %w", ctx.Err())
		}
	}
}

// notifyLocked wakes WaitFor and WaitRunning. Called with s.mu held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Kill stops the server as a crashed image would: the listener and every connection are
// closed, and running evaluations are abandoned. Sessions are kept until Restart.
func (s *Server) Kill() {
	s.mu.Lock()
	ln, conns := s.ln, s.conns
	s.ln, s.conns = nil, map[net.Conn]bool{}
	if s.dead != nil {
		close(s.dead)
		s.dead = nil
	}
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for c := range conns {
		c.Close()
	}
}

// Restart kills the server if it runs, forgets every session, and listens again on the
// same port. The test fails if the port cannot be bound again.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	s.mu.Lock()
	s.sessions = map[string]*session{}
	s.mu.Unlock()
	ln, err := net.Listen("tcp", s.addr) // Go listeners set SO_REUSEADDR
	if err != nil {
		s.t.Fatalf("bridgetest: listening again on %s: %v", s.addr, err)
	}
	s.start(ln)
}

// Close kills the server and waits for its goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.Kill()
	s.wg.Wait()
}

func (s *Server) start(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		ln.Close()
		return
	}
	s.ln, s.dead = ln, make(chan struct{})
	s.wg.Add(1)
	go s.accept(ln, s.dead)
}

func (s *Server) accept(ln net.Listener, dead chan struct{}) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.ln != ln { // killed meanwhile
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[nc] = true
		fault := s.fault
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(nc, fault, dead)
	}
}

// serve speaks ZMTP as a REP socket on one connection.
func (s *Server) serve(nc net.Conn, fault Fault, dead chan struct{}) {
	defer s.wg.Done()
	defer func() {
		nc.Close()
		s.mu.Lock()
		delete(s.conns, nc)
		s.mu.Unlock()
	}()
	if fault == NoGreeting {
		nc.Write([]byte{0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f}) // the signature, then nothing
		for buf := make([]byte, 1<<10); ; {                  // until the peer or Kill closes it
			if _, err := nc.Read(buf); err != nil {
				return
			}
		}
	}
	bc := &bufConn{Conn: nc, r: bufio.NewReader(nc)}
	zc, err := zmq4.Open(bc, null.Security(), zmq4.Rep, nil, true, nil)
	if err != nil {
		return
	}
	for {
		msg, err := zc.RecvMsg()
		if err != nil {
			return
		}
		if msg.Type == zmq4.CmdMsg || len(msg.Frames) == 0 {
			continue
		}
		// A REQ peer sends [empty delimiter, body]; answer with the same envelope.
		body := msg.Frames[len(msg.Frames)-1]
		envelope := msg.Frames[:len(msg.Frames)-1]
		reply := s.handle(body, dead)
		if reply == nil { // Hang, or killed
			<-dead
			return
		}
		if err := zc.SendMsg(zmq4.NewMsgFrom(append(envelope, reply)...)); err != nil {
			return
		}
		if err := bc.flush(); err != nil {
			return
		}
	}
}

// bufConn buffers reads, and writes until the next read or flush, so that a message
// leaves in one segment.
type bufConn struct {
	net.Conn
	r *bufio.Reader
	w bytes.Buffer
}

func (c *bufConn) Read(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (c *bufConn) Write(p []byte) (int, error) { return c.w.Write(p) }

func (c *bufConn) flush() error {
	if c.w.Len() == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.w.Bytes())
	c.w.Reset()
	return err
}

// handle answers one request; nil means no answer (Hang, or killed meanwhile).
func (s *Server) handle(body []byte, dead chan struct{}) []byte {
	start := time.Now()
	var req bridge.Request
	jerr := json.Unmarshal(body, &req)
	s.mu.Lock()
	if jerr == nil {
		s.requests = append(s.requests, req)
		s.notifyLocked()
	}
	fault, delay := s.fault, s.delay
	s.mu.Unlock()

	switch fault {
	case Hang:
		return nil
	case Garbage:
		return []byte("\x00\x01 this is not JSON {")
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-dead:
			return nil
		}
	}
	var resp *bridge.Response
	switch {
	case jerr != nil:
		resp = errorResponse("", bridge.InvalidRequest, "The request is not a JSON object.", nil)
	case len(body) > s.max:
		resp = errorResponse(req.ID, bridge.TooLarge, "The request is over the server's cap.",
			bridge.TooLargeDetails{Size: int64(len(body)), Limit: int64(s.max)})
	default:
		resp = s.answer(&req, dead)
		if resp == nil {
			return nil
		}
	}
	resp.Version = bridge.ProtocolVersion
	resp.Timestamp = bridge.Timestamp(time.Now())
	resp.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	switch fault {
	case WrongID:
		resp.ID += "-not-this-one"
	case Oversize:
		resp.Result, _ = json.Marshal(bridge.Value{PrintString: strings.Repeat("x", s.oversize), ClassName: "ByteString"})
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b, _ = json.Marshal(errorResponse(req.ID, bridge.InternalError, err.Error(), nil))
	}
	return b
}

func errorResponse(id string, t bridge.ErrorType, msg string, details any) *bridge.Response {
	e := &bridge.Error{Type: t, Message: msg}
	if details != nil {
		e.Details, _ = json.Marshal(details)
	}
	return &bridge.Response{ID: id, Status: bridge.StatusError, Error: e}
}

func success(id string, result any) *bridge.Response {
	b, err := json.Marshal(result)
	if err != nil {
		return errorResponse(id, bridge.InternalError, err.Error(), nil)
	}
	return &bridge.Response{ID: id, Status: bridge.StatusSuccess, Result: b}
}

// answer answers a well-formed request, as an image would.
func (s *Server) answer(req *bridge.Request, dead chan struct{}) *bridge.Response {
	if req.Token != s.token {
		return errorResponse(req.ID, bridge.Unauthorized, "The token is missing or wrong.", nil)
	}
	if req.Version != bridge.ProtocolVersion {
		return errorResponse(req.ID, bridge.InvalidRequest, "Unsupported protocol version.", map[string]string{"field": "version"})
	}
	spec, ok := bridge.Lookup(req.Command)
	if !ok {
		return errorResponse(req.ID, bridge.UnknownCommand, fmt.Sprintf("Unknown command %s.", req.Command), map[string]string{"command": string(req.Command)})
	}
	params := spec.Params()
	if len(req.Parameters) > 0 {
		if err := json.Unmarshal(req.Parameters, params); err != nil {
			return errorResponse(req.ID, bridge.InvalidRequest, "The parameters do not decode: "+err.Error(), map[string]string{"field": "parameters"})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ss *session
	if spec.NeedsSession {
		if ss = s.sessions[req.SessionID]; ss == nil {
			return errorResponse(req.ID, bridge.SessionNotFound, "No session "+req.SessionID+".", map[string]string{"session_id": req.SessionID})
		}
		ss.info.LastUsedAt = bridge.Timestamp(time.Now())
	}
	switch p := params.(type) {
	case *bridge.CreateSessionParams:
		s.nextID++
		now := bridge.Timestamp(time.Now())
		ss := &session{vars: map[string]bridge.Value{}, info: bridge.SessionInfo{
			SessionID: fmt.Sprintf("s-%d-%s", s.nextID, s.token[:4]), ClientID: p.ClientID, Name: p.Name,
			CreatedAt: now, LastUsedAt: now, TTLS: orDefault(p.TTLS, 86400), Variables: []string{},
		}}
		s.sessions[ss.info.SessionID] = ss
		return success(req.ID, ss.snapshot(true))
	case *bridge.RestoreSessionParams:
		res := bridge.RestoreSessionResult{SessionID: req.SessionID, Variables: []bridge.Variable{}}
		for _, n := range ss.order {
			res.Variables = append(res.Variables, bridge.Variable{Name: n, Value: ss.vars[n]})
		}
		return success(req.ID, res)
	case *bridge.CloseSessionParams:
		delete(s.sessions, req.SessionID)
		return success(req.ID, bridge.CloseSessionResult{SessionID: req.SessionID, Closed: true})
	case *bridge.GetSessionInfoParams:
		return success(req.ID, ss.snapshot(true))
	case *bridge.ListClientSessionsParams:
		res := bridge.ListClientSessionsResult{Sessions: []bridge.SessionInfo{}}
		for _, o := range s.sessions {
			if o.info.ClientID == p.ClientID {
				res.Sessions = append(res.Sessions, o.snapshot(false))
			}
		}
		sort.Slice(res.Sessions, func(i, j int) bool { return res.Sessions[i].SessionID < res.Sessions[j].SessionID })
		return success(req.ID, res)
	case *bridge.InterruptParams:
		if ss.interrupt == nil {
			return success(req.ID, bridge.InterruptResult{Interrupted: false, Stack: []bridge.Frame{}})
		}
		select {
		case ss.interrupt <- req.ID:
		default:
		}
		return success(req.ID, bridge.InterruptResult{Interrupted: true, Stack: []bridge.Frame{whileTrueFrame}})
	case *bridge.GetVariableParams:
		if v, ok := ss.vars[p.Name]; ok {
			return success(req.ID, bridge.Variable{Name: p.Name, Value: v})
		}
		if _, ok := s.match(req); !ok {
			return errorResponse(req.ID, bridge.ObjectNotFound, "No variable "+p.Name+".", map[string]string{"handle": p.Name})
		}
	case *bridge.EvaluateParams:
		return s.evaluate(req, ss, p, dead)
	}
	v, _ := s.match(req)
	return v
}

var whileTrueFrame = bridge.Frame{Description: "UndefinedObject>>DoIt", ClassName: "UndefinedObject", Selector: "DoIt", Line: 1}

var assignment = regexp.MustCompile(`^\s*([a-zA-Z_]\w*)\s*:=\s*(.*?)\s*\.?\s*$`)

// evaluate answers an evaluate request. Called with s.mu held; it releases it while an
// evaluation blocks.
func (s *Server) evaluate(req *bridge.Request, ss *session, p *bridge.EvaluateParams, dead chan struct{}) *bridge.Response {
	ss.evals++
	v, matched := s.match(req)
	if matched && v.Error != nil && (v.Error.Type == bridge.Interrupted || v.Error.Type == bridge.Timeout) {
		// A long evaluation: run until interrupted or past the deadline.
		intr := make(chan string, 1)
		ss.interrupt = intr
		ss.info.Evaluating = true
		s.notifyLocked()
		s.mu.Unlock()
		deadline := time.Duration(req.DeadlineMS) * time.Millisecond
		if deadline <= 0 {
			deadline = 30 * time.Second
		}
		timer := time.NewTimer(deadline)
		defer timer.Stop()
		var out *bridge.Response
		select {
		case <-intr:
			out = v
			if v.Error.Type != bridge.Interrupted {
				out = errorResponse(req.ID, bridge.Interrupted, "The evaluation was interrupted.", bridge.InterruptedDetails{Stack: []bridge.Frame{whileTrueFrame}})
			}
		case <-timer.C:
			out = v
			if v.Error.Type != bridge.Timeout {
				out = errorResponse(req.ID, bridge.Timeout, "The evaluation did not finish in time.", bridge.TimeoutDetails{DeadlineMS: req.DeadlineMS, Stack: []bridge.Frame{whileTrueFrame}})
			}
		case <-dead:
		}
		s.mu.Lock()
		ss.interrupt = nil
		ss.info.Evaluating = false
		return out
	}
	if m := assignment.FindStringSubmatch(p.Code); m != nil && !matched {
		// x := 42: define a workspace variable, as the image would.
		name, rhs := m[1], m[2]
		val := bridge.Value{PrintString: rhs, ClassName: "SmallInteger", Handle: fmt.Sprintf("h-%d", ss.evals)}
		if _, err := strconv.Atoi(rhs); err != nil {
			val.ClassName, val.PrintString = "ByteString", strconv.Quote(rhs)
		}
		res := bridge.EvaluateResult{Value: val, HistoryIndex: ss.evals}
		if _, ok := ss.vars[name]; !ok {
			ss.order = append(ss.order, name)
			res.NewVariables = []string{name}
		}
		ss.vars[name] = val
		return success(req.ID, res)
	}
	return v
}

// match answers the response of the vector whose request has req's command and
// parameters (success cases first, so that error cases that differ from them only by
// envelope never shadow them), or of the command's success.json when none has; ok says
// whether one matched. An evaluate whose code matches a vector's in another mode also
// answers that vector.
func (s *Server) match(req *bridge.Request) (resp *bridge.Response, ok bool) {
	var fallback *Vector
	vs := s.byCommand[req.Command]
	for _, errorCases := range []bool{false, true} {
		for i, v := range vs {
			if strings.HasPrefix(v.Case, "error") != errorCases {
				continue
			}
			if v.Case == "success" {
				fallback = &vs[i]
			}
			var vr bridge.Request
			if err := json.Unmarshal(v.Request, &vr); err != nil || vr.Command != req.Command {
				continue
			}
			if sameJSON(vr.Parameters, req.Parameters) {
				return respond(req.ID, v.Response), true
			}
		}
	}
	if req.Command == bridge.Evaluate { // the same code in another mode behaves the same
		var p, vp bridge.EvaluateParams
		json.Unmarshal(req.Parameters, &p)
		for _, v := range vs {
			var vr bridge.Request
			if json.Unmarshal(v.Request, &vr) == nil && json.Unmarshal(vr.Parameters, &vp) == nil && vp.Code == p.Code && vp.Receiver == p.Receiver {
				return respond(req.ID, v.Response), true
			}
		}
	}
	if fallback == nil {
		return errorResponse(req.ID, bridge.InternalError, "bridgetest: no success vector for "+string(req.Command), nil), false
	}
	return respond(req.ID, fallback.Response), false
}

func respond(id string, raw json.RawMessage) *bridge.Response {
	var r bridge.Response
	if err := json.Unmarshal(raw, &r); err != nil {
		return errorResponse(id, bridge.InternalError, "bridgetest: bad vector: "+err.Error(), nil)
	}
	r.ID = id
	return &r
}

// sameJSON compares two JSON objects by value; absent means {}.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if len(a) == 0 {
		a = json.RawMessage("{}")
	}
	if len(b) == 0 {
		b = json.RawMessage("{}")
	}
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func (ss *session) snapshot(history bool) bridge.SessionInfo {
	info := ss.info
	info.Variables = append([]string{}, ss.order...)
	if !history {
		info.History = nil
	}
	return info
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
