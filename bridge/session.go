package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// A Session is one workspace folder's session in the image: workspace variables, history
// and handles that live as long as the session. It has a connection of its own and one
// request in flight; concurrent calls wait their turn, each within its own deadline.
// Sessions are handed out by a Registry and released by Registry.Close.
type Session struct {
	r      *Registry
	folder string

	// turn holds the session's connection: take it to make a request, put it back after.
	// It is the session's one request in flight.
	turn chan *conn

	mu     sync.Mutex // guards id, vars and closed
	id     string
	vars   []string // workspace variables known to exist
	closed bool
}

func newSession(r *Registry, folder, id string, vars []string) *Session {
	s := &Session{r: r, folder: folder, id: id, vars: vars, turn: make(chan *conn, 1)}
	s.turn <- nil
	return s
}

// ID answers the session's id in the image. It changes when the session is re-created.
func (s *Session) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Folder answers the workspace folder the session belongs to.
func (s *Session) Folder() string { return s.folder }

// Variables answers the names of the workspace variables the session is known to hold.
func (s *Session) Variables() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.vars)
}

var errSessionClosed = errors.New("bridge: the session was released")

// Call sends a session-scoped command, like Client.Call, on the session's own
// connection. When the image no longer knows the session (SessionNotFound,
// SessionExpired), a new session is created, the registry's OnLost is told which
// variables were lost, and the command is retried in the new session if it is
// idempotent; otherwise the error is answered, its message saying what happened.
func (s *Session) Call(ctx context.Context, cmd Command, budget *Budget, params, result any) error {
	var cn *conn
	select {
	case cn = <-s.turn:
	case <-ctx.Done():
		return fmt.Errorf("bridge: waiting for the session's previous request: %w", ctx.Err())
	}
	defer func() { s.turn <- cn }()
	ex := exchanger{c: s.r.c, take: func() *conn { c := cn; cn = nil; return c }, put: func(c *conn) { cn = c }}

	s.mu.Lock()
	id, closed := s.id, s.closed
	s.mu.Unlock()
	if closed {
		return &Error{Type: Unavailable, Message: errSessionClosed.Error(), cause: errSessionClosed}
	}
	err := s.call(ctx, ex, cmd, id, budget, params, result)
	e := ErrorOf(err)
	if e == nil || (e.Type != SessionNotFound && e.Type != SessionExpired) || cmd == CreateSession || cmd == CloseSession {
		return err
	}
	// The image forgot the session: start a new one.
	var info SessionInfo
	if err := s.call(ctx, ex, CreateSession, "", nil, s.r.createParams(s.folder), &info); err != nil {
		return err
	}
	s.mu.Lock()
	lost := s.vars
	s.id, s.vars = info.SessionID, nil
	s.mu.Unlock()
	s.r.lost(s, lost)
	if spec, _ := Lookup(cmd); spec.Idempotent {
		return s.call(ctx, ex, cmd, info.SessionID, budget, params, result)
	}
	msg := fmt.Sprintf("the image no longer knew session %s, so session %s was created", id, info.SessionID)
	if len(lost) > 0 {
		msg += " and the variables " + strings.Join(lost, ", ") + " were lost"
	}
	return &Error{Type: e.Type, Message: msg + "; run it again", Details: e.Details}
}

func (s *Session) call(ctx context.Context, ex exchanger, cmd Command, id string, budget *Budget, params, result any) error {
	req, err := s.r.c.request(cmd, id, budget, params)
	if err != nil {
		return err
	}
	return ex.call(ctx, req, result)
}

// Evaluate evaluates code in the session. It is never retried.
func (s *Session) Evaluate(ctx context.Context, p EvaluateParams, budget *Budget) (*EvaluateResult, error) {
	var res EvaluateResult
	if err := s.Call(ctx, Evaluate, budget, p, &res); err != nil {
		return nil, err
	}
	if len(res.NewVariables) > 0 {
		s.mu.Lock()
		for _, v := range res.NewVariables {
			if !slices.Contains(s.vars, v) {
				s.vars = append(s.vars, v)
			}
		}
		s.mu.Unlock()
		s.r.save(s)
	}
	return &res, nil
}

// Inspect inspects an object of the session, by handle or by expression.
func (s *Session) Inspect(ctx context.Context, p InspectParams, budget *Budget) (*InspectResult, error) {
	var res InspectResult
	if err := s.Call(ctx, Inspect, budget, p, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Info answers the session's information (get_session_info).
func (s *Session) Info(ctx context.Context) (*SessionInfo, error) {
	var res SessionInfo
	if err := s.Call(ctx, GetSessionInfo, nil, GetSessionInfoParams{}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// Interrupt stops the session's running evaluation. It travels on a connection of its
// own, not the session's, so that it reaches the image while Evaluate waits for its
// answer.
func (s *Session) Interrupt(ctx context.Context) (*InterruptResult, error) {
	var res InterruptResult
	if err := s.r.c.Call(ctx, Interrupt, s.ID(), nil, InterruptParams{}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// release closes the session's connection and refuses further calls. It waits for the
// request in flight, within ctx.
func (s *Session) release(ctx context.Context) error {
	select {
	case cn := <-s.turn:
		if cn != nil {
			cn.close()
		}
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.turn <- nil
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bridge: releasing the session of %s: %w", s.folder, ctx.Err())
	}
}
