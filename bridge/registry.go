package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"go.uber.org/zap"
)

// RegistryOptions configures a Registry.
type RegistryOptions struct {
	// ClientID names the client in the image: sessions belong to it. "": "stui".
	ClientID string
	// StateFile keeps the session id of each folder across restarts of the client.
	// "": DefaultStateFile().
	StateFile string
	// OnLost, if set, is told when the image no longer knew a folder's session and a new
	// one was created; lost names the workspace variables that were lost (maybe none).
	// It is called on the goroutine of the request that found out and must not block.
	OnLost func(folder string, lost []string)
}

// A Registry hands out one Session per workspace folder. A folder's session id is kept
// in a state file, so that a restarted client restores the same session
// (restore_session); when the image no longer knows it, a new session is created and
// OnLost is told. Release the registry's connections with Close.
type Registry struct {
	c    *Client
	opts RegistryOptions
	log  *zap.Logger

	mu       sync.Mutex // guards sessions
	sessions map[string]*pending

	fileMu sync.Mutex // serializes read-modify-write of the state file
}

// pending is a folder's session, ready once done is closed.
type pending struct {
	done chan struct{}
	s    *Session
	err  error
}

// NewRegistry answers a registry of sessions of client c.
func NewRegistry(c *Client, opts RegistryOptions) *Registry {
	if opts.ClientID == "" {
		opts.ClientID = "stui"
	}
	if opts.StateFile == "" {
		opts.StateFile = DefaultStateFile()
	}
	return &Registry{c: c, opts: opts, log: c.log, sessions: map[string]*pending{}}
}

// DefaultStateFile answers where session ids are kept: $XDG_STATE_HOME/stui/sessions.json,
// or ~/.local/state/stui/sessions.json.
func DefaultStateFile() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "stui", "sessions.json")
}

// Session answers folder's session: the one already open, else the one named in the
// state file if the image still knows it, else a new one.
func (r *Registry) Session(ctx context.Context, folder string) (*Session, error) {
	folder = filepath.Clean(folder)
	for {
		r.mu.Lock()
		p, ok := r.sessions[folder]
		if !ok {
			p = &pending{done: make(chan struct{})}
			r.sessions[folder] = p
			r.mu.Unlock()
			p.s, p.err = r.open(ctx, folder)
			if p.err != nil {
				r.mu.Lock()
				delete(r.sessions, folder)
				r.mu.Unlock()
			}
			close(p.done)
			return p.s, p.err
		}
		r.mu.Unlock()
		select {
		case <-p.done:
			if p.err == nil {
				return p.s, nil
			}
			// That attempt failed; make our own.
		case <-ctx.Done():
			return nil, fmt.Errorf("bridge: waiting for the session of %s: %w", folder, ctx.Err())
		}
	}
}

func (r *Registry) open(ctx context.Context, folder string) (*Session, error) {
	st, err := r.load()
	if err != nil {
		r.log.Warn("reading the session state file", zap.Error(err))
	}
	if e := st.find(r.c.cfg.Endpoint, r.opts.ClientID, folder); e != nil {
		// Restore it. Should the image have forgotten it, Session.Call creates a new one
		// and reports the variables the state file remembers as lost.
		s := newSession(r, folder, e.SessionID, e.Variables)
		var res RestoreSessionResult
		if err := s.Call(ctx, RestoreSession, nil, RestoreSessionParams{}, &res); err != nil {
			return nil, err
		}
		vars := make([]string, 0, len(res.Variables))
		for _, v := range res.Variables {
			vars = append(vars, v.Name)
		}
		s.mu.Lock()
		s.vars = vars
		s.mu.Unlock()
		r.save(s)
		return s, nil
	}
	return r.create(ctx, folder)
}

func (r *Registry) create(ctx context.Context, folder string) (*Session, error) {
	var info SessionInfo
	if err := r.c.Call(ctx, CreateSession, "", nil, r.createParams(folder), &info); err != nil {
		return nil, err
	}
	s := newSession(r, folder, info.SessionID, nil)
	r.save(s)
	return s, nil
}

func (r *Registry) createParams(folder string) CreateSessionParams {
	return CreateSessionParams{ClientID: r.opts.ClientID, Name: filepath.Base(folder)}
}

// lost records that s was re-created and tells OnLost.
func (r *Registry) lost(s *Session, vars []string) {
	r.save(s)
	r.log.Info("the image no longer knew the session; a new one was created",
		zap.String("folder", s.folder), zap.String("session", s.ID()), zap.Strings("lost", vars))
	if r.opts.OnLost != nil {
		r.opts.OnLost(s.folder, slices.Clone(vars))
	}
}

// Restart closes folder's session in the image (if any) and answers a new one.
func (r *Registry) Restart(ctx context.Context, folder string) (*Session, error) {
	folder = filepath.Clean(folder)
	r.mu.Lock()
	p := r.sessions[folder]
	delete(r.sessions, folder)
	r.mu.Unlock()
	if p != nil {
		select {
		case <-p.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("bridge: restarting the session of %s: %w", folder, ctx.Err())
		}
		if p.s != nil {
			// Close it on a connection of its own, without re-creating a forgotten session.
			err := r.c.Call(ctx, CloseSession, p.s.ID(), nil, CloseSessionParams{}, nil)
			if e := ErrorOf(err); err != nil && (e == nil || (e.Type != SessionNotFound && e.Type != SessionExpired)) {
				return nil, err
			}
			if err := p.s.release(ctx); err != nil {
				return nil, err
			}
		}
	}
	s, err := r.create(ctx, folder)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if _, ok := r.sessions[folder]; !ok {
		done := make(chan struct{})
		close(done)
		r.sessions[folder] = &pending{done: done, s: s}
	}
	r.mu.Unlock()
	return s, nil
}

// Close releases the connections of every session. The sessions stay in the image, to be
// restored by the next registry.
func (r *Registry) Close(ctx context.Context) error {
	r.mu.Lock()
	all := r.sessions
	r.sessions = map[string]*pending{}
	r.mu.Unlock()
	var errs []error
	for _, p := range all {
		select {
		case <-p.done:
			if p.s != nil {
				errs = append(errs, p.s.release(ctx))
			}
		case <-ctx.Done():
			errs = append(errs, ctx.Err())
		}
	}
	return errors.Join(errs...)
}

// ---- the state file

type stateFile struct {
	Version  int          `json:"version"`
	Sessions []stateEntry `json:"sessions"`
}

type stateEntry struct {
	Endpoint  string   `json:"endpoint"`
	ClientID  string   `json:"client_id"`
	Folder    string   `json:"folder"`
	SessionID string   `json:"session_id"`
	Variables []string `json:"variables,omitempty"`
}

func (st *stateFile) find(endpoint, clientID, folder string) *stateEntry {
	for i, e := range st.Sessions {
		if e.Endpoint == endpoint && e.ClientID == clientID && e.Folder == folder {
			return &st.Sessions[i]
		}
	}
	return nil
}

// load reads the state file. A missing file is an empty state; a file that does not
// parse is moved aside (to .corrupt) so that nothing is lost, and reported.
func (r *Registry) load() (*stateFile, error) {
	r.fileMu.Lock()
	defer r.fileMu.Unlock()
	return r.loadLocked()
}

func (r *Registry) loadLocked() (*stateFile, error) {
	st := &stateFile{Version: 1}
	b, err := os.ReadFile(r.opts.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		aside := r.opts.StateFile + ".corrupt"
		if rerr := os.Rename(r.opts.StateFile, aside); rerr != nil {
			return &stateFile{Version: 1}, fmt.Errorf("%s does not parse (%v) and cannot be moved aside: %w", r.opts.StateFile, err, rerr)
		}
		return &stateFile{Version: 1}, fmt.Errorf("%s does not parse (%v); it was moved to %s", r.opts.StateFile, err, aside)
	}
	return st, nil
}

// save records s's id and variables in the state file. Failures are logged: the
// session works without its file, it is only not restored next time.
func (r *Registry) save(s *Session) {
	r.fileMu.Lock()
	defer r.fileMu.Unlock()
	st, err := r.loadLocked()
	if err != nil {
		r.log.Warn("reading the session state file", zap.Error(err))
	}
	ep := r.c.cfg.Endpoint
	e := st.find(ep, r.opts.ClientID, s.folder)
	if e == nil {
		st.Sessions = append(st.Sessions, stateEntry{Endpoint: ep, ClientID: r.opts.ClientID, Folder: s.folder})
		e = &st.Sessions[len(st.Sessions)-1]
	}
	e.SessionID, e.Variables = s.ID(), s.Variables()
	if err := writeFileAtomic(r.opts.StateFile, st); err != nil {
		r.log.Warn("writing the session state file", zap.Error(err))
	}
}

func writeFileAtomic(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".sessions-*.json")
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// Known answers the session id the state file keeps for folder, without asking the image.
func (r *Registry) Known(folder string) (id string, ok bool) {
	st, err := r.load()
	if err != nil {
		r.log.Warn("reading the session state file", zap.Error(err))
	}
	if e := st.find(r.c.cfg.Endpoint, r.opts.ClientID, filepath.Clean(folder)); e != nil {
		return e.SessionID, true
	}
	return "", false
}
