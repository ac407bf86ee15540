// Package framing is the LSP base protocol (Content-Length framed JSON-RPC messages) as a
// jsonrpc2.Stream that survives bad input: jsonrpc2's own stream fails the connection on
// the first malformed message, this one answers it with a JSON-RPC error and keeps
// reading. Start with [NewStream].
package framing

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// DefaultMaxMessage caps the body of one incoming message.
const DefaultMaxMessage = 64 << 20

const contentLength = "content-length"

// Stream reads and writes Content-Length framed messages. A body that is not JSON is
// answered with a parse error (-32700), a JSON body that is not a JSON-RPC message with
// an invalid request error (-32600), and reading goes on with the next message. Only a
// failure of the underlying connection ends Read.
type Stream struct {
	conn io.ReadWriteCloser
	in   *bufio.Reader
	max  int64
	// OnBadMessage, when set, is told of every message answered with an error.
	OnBadMessage func(error)

	mu sync.Mutex // guards writes to conn
}

// NewStream answers a Stream on conn. Close closes conn.
func NewStream(conn io.ReadWriteCloser) *Stream {
	return &Stream{conn: conn, in: bufio.NewReader(conn), max: DefaultMaxMessage}
}

var _ jsonrpc2.Stream = (*Stream)(nil)

// errBadFrame is a framing error the stream recovers from.
var errBadFrame = errors.New("bad frame")

// Read implements jsonrpc2.Stream.
func (s *Stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		body, n, err := s.readFrame()
		if errors.Is(err, errBadFrame) {
			s.answer(nil, jsonrpc2.ParseError, err.Error())
			continue
		}
		if err != nil {
			return nil, n, err
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err == nil {
			return msg, n, nil
		}
		if i := bytes.Index(bytes.ToLower(body), []byte(contentLength+":")); i > 0 {
			// The length announced was too long and the body swallowed the next message's
			// header: answer the broken part and read the rest again.
			s.in = bufio.NewReader(io.MultiReader(bytes.NewReader(body[i:]), s.in))
			body = body[:i]
		}
		if !json.Valid(body) {
			s.answer(nil, jsonrpc2.ParseError, "JSON-RPC parse error: the message is not JSON")
			continue
		}
		var probe struct {
			ID     json.RawMessage `json:"id"`
			Method json.RawMessage `json:"method"`
		}
		if json.Unmarshal(body, &probe) == nil && probe.Method == nil {
			// A response that matches nothing (e.g. an error with a null id): JSON-RPC
			// never answers a response, or two such peers would talk forever.
			if s.OnBadMessage != nil {
				s.OnBadMessage(fmt.Errorf("dropped a response without an id: %s", clip(string(body))))
			}
			continue
		}
		s.answer(validID(probe.ID), jsonrpc2.InvalidRequest, "JSON-RPC invalid request: the message is not a request, a notification or a response")
	}
}

// validID answers raw when it is a JSON string or number, else nil (answered as null).
func validID(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	switch v.(type) {
	case string, float64:
		return raw
	}
	return nil
}

// readFrame reads one header block and its body. Bad header lines are answered with a
// parse error at once and skipped, so that a well-formed frame after them is read as
// usual; errors wrapping errBadFrame leave the reader at the start of the next frame.
func (s *Stream) readFrame() ([]byte, int64, error) {
	var total int64
	length := int64(-1)
	headers := false // a header line of this block was read
	reset := func() { length, headers = -1, false }
	for {
		line, err := s.in.ReadString('\n')
		total += int64(len(line))
		if err != nil {
			return nil, total, err
		}
		// Resynchronise after junk or a body shorter than announced: a header may follow
		// them on the same line.
		if i := strings.Index(strings.ToLower(line), contentLength+":"); i > 0 {
			s.answer(nil, jsonrpc2.ParseError, fmt.Sprintf("JSON-RPC parse error: %q is not a message", clip(strings.TrimSpace(line[:i]))))
			line = line[i:]
			reset()
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if length >= 0 {
				break
			}
			if headers {
				s.answer(nil, jsonrpc2.ParseError, fmt.Sprintf("%v: missing Content-Length header", errBadFrame))
				reset()
			}
			continue // blank lines between messages, or after junk
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			s.answer(nil, jsonrpc2.ParseError, fmt.Sprintf("%v: invalid header line %q", errBadFrame, clip(line)))
			reset()
			continue
		}
		headers = true
		if strings.EqualFold(strings.TrimSpace(name), contentLength) {
			n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if err != nil || n < 0 {
				s.answer(nil, jsonrpc2.ParseError, fmt.Sprintf("%v: invalid Content-Length %q", errBadFrame, clip(value)))
				reset()
				continue
			}
			length = n
		}
	}
	if length > s.max {
		n, err := io.CopyN(io.Discard, s.in, length)
		total += n
		if err != nil {
			return nil, total, err
		}
		return nil, total, fmt.Errorf("%w: message of %d bytes is over the limit of %d", errBadFrame, length, s.max)
	}
	body := make([]byte, length)
	n, err := io.ReadFull(s.in, body)
	total += int64(n)
	if err != nil {
		return nil, total, err
	}
	return body, total, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// answer writes an error response with the given raw id (nil: null).
func (s *Stream) answer(id json.RawMessage, code jsonrpc2.Code, message string) {
	if s.OnBadMessage != nil {
		s.OnBadMessage(errors.New(message))
	}
	if id == nil {
		id = json.RawMessage("null")
	}
	body, err := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   jsonrpc2.Error  `json:"error"`
	}{"2.0", id, jsonrpc2.Error{Code: code, Message: message}})
	if err != nil {
		return
	}
	_, _ = s.writeBody(body)
}

// Write implements jsonrpc2.Stream.
func (s *Stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("marshaling message: %w", err)
	}
	return s.writeBody(body)
}

func (s *Stream) writeBody(body []byte) (int64, error) {
	buf := make([]byte, 0, len(body)+32)
	buf = append(buf, "Content-Length: "...)
	buf = strconv.AppendInt(buf, int64(len(body)), 10)
	buf = append(buf, "\r\n\r\n"...)
	buf = append(buf, body...)
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.conn.Write(buf)
	if err != nil {
		return int64(n), fmt.Errorf("writing message: %w", err)
	}
	return int64(n), nil
}

// Close implements jsonrpc2.Stream.
func (s *Stream) Close() error { return s.conn.Close() }
