package bridge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"
)

// A conn is one ZMTP 3.0 connection of a REQ socket: the client side of the Lazy Pirate
// pattern. It is built on zmq4's ZMTP implementation (zmq4.Open) over a TCP connection
// that we own, rather than on a zmq4 REQ socket, because that socket cannot bound its
// handshake (Dial blocks forever on a peer that never greets, and Close does not unblock
// it), has no receive timeout, and allocates frames at the size the peer announces. Here
// every step is bounded by deadlines on the TCP connection, and frame sizes are checked
// before zmq4 sees them. A conn carries one request at a time and is closed on any error.
type conn struct {
	nc net.Conn
	g  *guard
	zc *zmq4.Conn
	// spent is set when a context fired during a round trip: its deadline change may
	// still be landing, so the conn must not be reused.
	spent bool
}

// dial connects to addr and completes the ZMTP handshake as a REQ socket, by deadline.
// On success the caller owns the conn and must close it.
func dial(ctx context.Context, addr string, deadline time.Time, max int) (*conn, error) {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	g := newGuard(nc, max)
	stop := watch(dctx, nc, deadline)
	zc, err := zmq4.Open(g, null.Security(), zmq4.Req, nil, false, nil)
	if !stop() && err == nil {
		err = dctx.Err()
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &conn{nc: nc, g: g, zc: zc}, nil
}

// watch sets deadline on nc and, should ctx be done first, moves it to now, so that the
// blocked read or write returns. stop undoes the watch and answers false if ctx fired.
func watch(ctx context.Context, nc net.Conn, deadline time.Time) (stop func() bool) {
	nc.SetDeadline(deadline)
	return context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
}

// roundTrip sends one message and reads the reply, by deadline or until ctx is done.
// Any error leaves the conn unusable: the caller closes it.
func (c *conn) roundTrip(ctx context.Context, body []byte, deadline time.Time) ([]byte, error) {
	stop := watch(ctx, c.nc, deadline)
	defer func() { c.spent = !stop() }()
	if err := c.zc.SendMsg(zmq4.NewMsgFrom(nil, body)); err != nil {
		return nil, err
	}
	if err := c.g.flush(); err != nil {
		return nil, err
	}
	for {
		msg, err := c.zc.RecvMsg()
		if err != nil {
			return nil, err
		}
		if msg.Type == zmq4.CmdMsg { // PING and other ZMTP commands: not a reply
			continue
		}
		// A REP peer answers [empty delimiter, body].
		if len(msg.Frames) != 2 || len(msg.Frames[0]) != 0 {
			return nil, fmt.Errorf("the peer answered %d frames, not a REP envelope", len(msg.Frames))
		}
		return msg.Frames[1], nil
	}
}

// stale reports whether the peer closed the connection (or sent something unasked)
// while it was idle, so that a request is not sent into a dead connection: after an
// image restart, the first request then dials afresh and succeeds, retried or not.
func (c *conn) stale() bool {
	return c.g.r.Buffered() > 0 || peerClosed(c.nc)
}

// close closes the connection; a nil conn is already closed.
func (c *conn) close() error {
	if c == nil {
		return nil
	}
	return c.nc.Close()
}

// errTooLarge is the error of a message over the cap.
type errTooLarge struct{ size, limit int64 }

func (e *errTooLarge) Error() string {
	return fmt.Sprintf("a message of %d bytes is over the cap of %d", e.size, e.limit)
}

// A guard sits between zmq4 and the TCP connection. Reads are buffered and scanned for
// ZMTP frame headers: a message whose frames announce more than max bytes in all fails
// with *errTooLarge before zmq4 allocates it. Writes are buffered until the next read or
// flush, so that a message leaves in one segment.
type guard struct {
	net.Conn
	r   *bufio.Reader
	w   bytes.Buffer
	max int64

	// scanning state
	greeting int64  // greeting bytes still to pass (ZMTP 3.0 greets with 64)
	hdr      []byte // header bytes of the current frame, while incomplete
	body     int64  // body bytes of the current frame still to pass
	more     bool   // the current frame is followed by another of the same message
	total    int64  // bytes announced so far by the current message's frames
}

func newGuard(nc net.Conn, max int) *guard {
	return &guard{Conn: nc, r: bufio.NewReaderSize(nc, 32<<10), max: int64(max), greeting: 64}
}

func (g *guard) Write(p []byte) (int, error) { return g.w.Write(p) }

func (g *guard) flush() error {
	if g.w.Len() == 0 {
		return nil
	}
	_, err := g.Conn.Write(g.w.Bytes())
	g.w.Reset()
	return err
}

func (g *guard) Read(p []byte) (int, error) {
	if err := g.flush(); err != nil {
		return 0, err
	}
	n, err := g.r.Read(p)
	if serr := g.scan(p[:n]); serr != nil {
		return 0, serr
	}
	return n, err
}

// scan follows the frame structure through b and fails when a completed header makes
// the current message larger than the cap.
func (g *guard) scan(b []byte) error {
	for len(b) > 0 {
		switch {
		case g.greeting > 0:
			k := min(g.greeting, int64(len(b)))
			g.greeting -= k
			b = b[k:]
		case g.body > 0:
			k := min(g.body, int64(len(b)))
			g.body -= k
			b = b[k:]
		default:
			g.hdr = append(g.hdr, b[0])
			b = b[1:]
			flags := g.hdr[0]
			need := 2
			if flags&0x02 != 0 { // LONG
				need = 9
			}
			if len(g.hdr) < need {
				continue
			}
			var size int64
			if need == 2 {
				size = int64(g.hdr[1])
			} else {
				u := binary.BigEndian.Uint64(g.hdr[1:9])
				size = int64(u)
				if u > 1<<62 {
					size = 1 << 62
				}
			}
			g.hdr = g.hdr[:0]
			if flags&0x04 != 0 { // COMMAND: not part of a message
				if size > g.max {
					return &errTooLarge{size, g.max}
				}
				g.body = size
				continue
			}
			if !g.more {
				g.total = 0
			}
			g.total += size
			g.more = flags&0x01 != 0
			if g.total > g.max {
				return &errTooLarge{g.total, g.max}
			}
			g.body = size
		}
	}
	return nil
}
