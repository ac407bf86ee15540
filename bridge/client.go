package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// maxIdle is how many idle connections a Client keeps for one-shot calls.
const maxIdle = 4

// A Client talks to one STUI server. It is safe for concurrent use: each one-shot Call
// takes a connection of its own from a small pool (dialling one when none is idle), and
// each Session has a connection of its own. Release it with Close.
type Client struct {
	cfg    Config
	addr   string // host:port of cfg.Endpoint; "" when the endpoint is malformed
	badEP  error  // why the endpoint is malformed
	log    *zap.Logger
	prefix string // request ids are prefix-n
	nextID atomic.Uint64

	mu     sync.Mutex // guards idle and closed
	idle   []*conn
	closed bool
}

// NewClient answers a client for cfg. It never blocks: connections are dialled by the
// requests that need them.
func NewClient(cfg Config) *Client {
	cfg = cfg.withDefaults()
	var b [3]byte
	rand.Read(b[:])
	c := &Client{cfg: cfg, log: cfg.Logger.Named("bridge"), prefix: hex.EncodeToString(b[:])}
	c.addr, c.badEP = tcpAddr(cfg.Endpoint)
	return c
}

// Endpoint answers the endpoint the client talks to.
func (c *Client) Endpoint() string { return c.cfg.Endpoint }

// MaxMessage answers the cap on the size of one message, in either direction.
func (c *Client) MaxMessage() int { return c.cfg.MaxMessage }

// Close closes the client's idle connections. Calls made after Close fail.
func (c *Client) Close() error {
	c.mu.Lock()
	idle := c.idle
	c.idle, c.closed = nil, true
	c.mu.Unlock()
	for _, cn := range idle {
		cn.close()
	}
	return nil
}

var errClosed = errors.New("bridge: the client is closed")

// Call sends command cmd with params to the server and decodes the result into result
// (a pointer, or nil to drop it). sessionID is required by the commands that need a
// session; budget may be nil. The request is bounded by ctx's deadline (the client's
// Timeout when it has none) and its deadline_ms tells the server a little less, so that
// the server's own Timeout answer arrives in time.
//
// An error answered by the image is an *Error of its type. An image that cannot be
// reached, or that does not answer in time, or that answers something that is not a STUI
// response, gives an *Error of type Unavailable (wrapping context.DeadlineExceeded when
// the deadline passed). When ctx is cancelled the error wraps context.Canceled.
// Idempotent commands are retried once after a connection error.
func (c *Client) Call(ctx context.Context, cmd Command, sessionID string, budget *Budget, params, result any) error {
	req, err := c.request(cmd, sessionID, budget, params)
	if err != nil {
		return err
	}
	ex := exchanger{c: c, take: c.take, put: c.put}
	return ex.call(ctx, req, result)
}

// request builds the envelope of a call, without id and deadline.
func (c *Client) request(cmd Command, sessionID string, budget *Budget, params any) (*Request, error) {
	spec, ok := Lookup(cmd)
	if !ok {
		return nil, Errorf(UnknownCommand, "%q is not a command of STUI protocol v%d", cmd, ProtocolVersion)
	}
	if spec.NeedsSession && sessionID == "" {
		return nil, Errorf(InvalidRequest, "%s needs a session id", cmd)
	}
	req := &Request{Version: ProtocolVersion, Command: cmd, SessionID: sessionID, Token: c.cfg.Token, Budget: budget}
	if params != nil {
		raw, err := json.Marshal(params)
		if err != nil {
			return nil, Errorf(InvalidRequest, "encoding the parameters of %s: %v", cmd, err)
		}
		req.Parameters = raw
	}
	return req, nil
}

func (c *Client) take() *conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.idle); n > 0 {
		cn := c.idle[n-1]
		c.idle = c.idle[:n-1]
		return cn
	}
	return nil
}

func (c *Client) put(cn *conn) {
	c.mu.Lock()
	if !c.closed && len(c.idle) < maxIdle {
		c.idle = append(c.idle, cn)
		cn = nil
	}
	c.mu.Unlock()
	if cn != nil {
		cn.close()
	}
}

// An exchanger runs the Lazy Pirate pattern over one slot for a connection: take answers
// the connection to use (nil: dial one), put gives it back after a clean exchange.
type exchanger struct {
	c    *Client
	take func() *conn
	put  func(*conn)
}

// call sends req and decodes the reply into result, retrying once after a connection
// error when the command is idempotent.
func (ex exchanger) call(ctx context.Context, req *Request, result any) error {
	c := ex.c
	if c.badEP != nil {
		return &Error{Type: Unavailable, Message: c.badEP.Error()}
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return &Error{Type: Unavailable, Message: errClosed.Error(), cause: errClosed}
	}
	start := time.Now()
	deadline, ok := ctx.Deadline()
	if !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
		deadline, _ = ctx.Deadline()
	}
	spec, _ := Lookup(req.Command)
	attempts := 1
	if spec.Idempotent {
		attempts = 2
	}
	var err error
	for i := range attempts {
		var resp *Response
		resp, err = ex.exchange(ctx, req, deadline)
		if err == nil {
			return decodeResult(req.Command, resp, result)
		}
		if !retryable(err) || ctx.Err() != nil || i == attempts-1 {
			break
		}
		c.log.Debug("retrying after a connection error", zap.String("command", string(req.Command)), zap.Error(err))
	}
	return c.failure(req, deadline.Sub(start), err)
}

// connError is a failure of the connection: the peer went away, or could not be reached.
type connError struct{ err error }

func (e *connError) Error() string { return e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

func retryable(err error) bool {
	var ce *connError
	return errors.As(err, &ce)
}

// exchange performs one round trip. Errors are *Error (the peer answered something
// wrong or too large), *connError, or the context's error.
func (ex exchanger) exchange(ctx context.Context, req *Request, deadline time.Time) (*Response, error) {
	c := ex.c
	req.ID = c.prefix + "-" + strconv.FormatUint(c.nextID.Add(1), 10)
	req.DeadlineMS = serverDeadline(time.Until(deadline))
	body, err := json.Marshal(req)
	if err != nil {
		return nil, Errorf(InvalidRequest, "encoding the request: %v", err)
	}
	if len(body) > c.cfg.MaxMessage {
		return nil, tooLarge("the request", int64(len(body)), int64(c.cfg.MaxMessage))
	}
	cn := ex.take()
	if cn != nil && cn.stale() {
		cn.close()
		cn = nil
	}
	if cn == nil {
		limit := min(c.cfg.DialTimeout, time.Until(deadline))
		cn, err = dial(ctx, c.addr, time.Now().Add(limit), c.cfg.MaxMessage)
		if err != nil && ctx.Err() == nil && isTimeout(err) {
			// The dial timeout, shorter than the request's deadline, passed.
			return nil, &Error{Type: Unavailable, cause: context.DeadlineExceeded, Message: fmt.Sprintf(
				"the image at %s did not complete the connection within %s; is it frozen?", c.cfg.Endpoint, limit.Round(time.Millisecond))}
		}
		if err != nil {
			return nil, c.ioError(ctx, err)
		}
	}
	reply, err := cn.roundTrip(ctx, body, deadline)
	if err != nil {
		cn.close()
		return nil, c.ioError(ctx, err)
	}
	if cn.spent { // the context fired at the very end: answer, but do not reuse the conn
		cn.close()
		cn = nil
	}
	var resp Response
	if err := json.Unmarshal(reply, &resp); err != nil || resp.Version == 0 || resp.Status == "" {
		cn.close()
		return nil, &Error{Type: Unavailable, Message: fmt.Sprintf("the peer at %s answered %s, which is not a STUI response; is it a STUI server?", c.cfg.Endpoint, quote(reply))}
	}
	if resp.ID != req.ID {
		cn.close()
		return nil, &Error{Type: Unavailable, Message: fmt.Sprintf("the peer at %s answered request %q with id %q", c.cfg.Endpoint, req.ID, resp.ID)}
	}
	if cn != nil {
		ex.put(cn)
	}
	return &resp, nil
}

// ioError classifies an error of dial or roundTrip.
func (c *Client) ioError(ctx context.Context, err error) error {
	var tl *errTooLarge
	switch {
	case errors.As(err, &tl):
		return tooLarge("the reply", tl.size, tl.limit)
	case ctx.Err() != nil:
		return ctx.Err()
	case isTimeout(err):
		return context.DeadlineExceeded
	}
	return &connError{err}
}

// failure turns the last error of a call into what Call answers.
func (c *Client) failure(req *Request, allowed time.Duration, err error) error {
	log := c.log.With(zap.String("command", string(req.Command)), zap.String("id", req.ID))
	if e := ErrorOf(err); e != nil {
		log.Debug("failed", zap.Error(e))
		return e
	}
	switch {
	case errors.Is(err, context.Canceled):
		log.Debug("cancelled")
		return fmt.Errorf("bridge: %s cancelled: %w", req.Command, err)
	case errors.Is(err, context.DeadlineExceeded):
		log.Debug("deadline passed")
		return &Error{Type: Unavailable, cause: context.DeadlineExceeded, Message: fmt.Sprintf(
			"no answer from the image at %s within %s", c.cfg.Endpoint, allowed.Round(time.Millisecond))}
	}
	log.Debug("cannot reach the image", zap.Error(err))
	return &Error{Type: Unavailable, cause: err, Message: fmt.Sprintf("cannot reach the image at %s: %v", c.cfg.Endpoint, errors.Unwrap(err))}
}

// serverDeadline answers the deadline_ms told to the server for a request with d left: a
// little less than d (a fifth, at most 200 ms), so that the server answers Timeout first.
func serverDeadline(d time.Duration) int64 {
	d -= min(d/5, 200*time.Millisecond)
	return max(int64(d/time.Millisecond), 1)
}

func decodeResult(cmd Command, resp *Response, result any) error {
	switch resp.Status {
	case StatusError:
		if resp.Error == nil {
			return Errorf(InternalError, "the image answered an error without saying which")
		}
		if !slices.Contains(ErrorTypes, resp.Error.Type) {
			e := *resp.Error
			e.Message = fmt.Sprintf("(%s) %s", e.Type, e.Message)
			e.Type = InternalError
			return &e
		}
		return resp.Error
	case StatusSuccess:
		if result == nil || len(resp.Result) == 0 {
			return nil
		}
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return Errorf(InternalError, "the image's result of %s does not decode: %v", cmd, err)
		}
		return nil
	}
	return Errorf(InternalError, "the image answered status %q", resp.Status)
}

func tooLarge(what string, size, limit int64) *Error {
	d, _ := json.Marshal(TooLargeDetails{Size: size, Limit: limit})
	return &Error{Type: TooLarge, Message: fmt.Sprintf("%s is %d bytes, over the cap of %d", what, size, limit), Details: d}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// quote answers the start of b, quoted, for an error message.
func quote(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "..."
	}
	return strconv.Quote(string(b))
}
