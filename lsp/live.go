package lsp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-dev/stui/bridge"
)

// live is the server's side of the images: one imageConn per endpoint in the settings,
// each with a bridge client, the sessions of the folders that use it, an availability
// state and, when the settings name an image, a supervisor that starts it.
type live struct {
	s *server

	mu     sync.Mutex            // guards conns and closed
	conns  map[string]*imageConn // by endpoint
	closed bool
}

func newLive(s *server) *live { return &live{s: s, conns: map[string]*imageConn{}} }

// errLiveClosed answers calls made after shutdown.
var errLiveClosed = errors.New("stui-lsp is shutting down")

// conn answers the connection for the folder's settings, making it on first use.
func (l *live) conn(f folder) (*imageConn, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, errLiveClosed
	}
	c := l.conns[f.Opts.Endpoint]
	created := c == nil
	if created {
		c = newImageConn(l.s, f.Opts)
		l.conns[f.Opts.Endpoint] = c
	}
	l.mu.Unlock()
	c.use(f.Path)
	if created {
		c.start()
	}
	return c, nil
}

// reconfigure follows the settings: it makes the connections of every folder (starting
// their images when configured) and closes those no folder uses any more.
func (l *live) reconfigure() {
	used := map[string]bool{}
	fs := l.s.ws.list()
	fs = append(fs, l.s.ws.folderOf(""))
	for _, f := range fs {
		used[f.Opts.Endpoint] = true
		if _, err := l.conn(f); err != nil {
			return
		}
	}
	l.mu.Lock()
	var stale []*imageConn
	for ep, c := range l.conns {
		if !used[ep] {
			stale = append(stale, c)
			delete(l.conns, ep)
		}
	}
	l.mu.Unlock()
	for _, c := range stale {
		c.close()
	}
}

func (l *live) close() {
	l.mu.Lock()
	conns := l.conns
	l.conns, l.closed = map[string]*imageConn{}, true
	l.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// connState is an imageConn's availability.
type connState int

const (
	connUnknown     connState = iota // not tried yet
	connConnected                    // the last exchange worked
	connUnavailable                  // the image could not be reached; a pinger is watching
)

func (c connState) String() string {
	switch c {
	case connUnknown:
		return "unknown"
	case connConnected:
		return "connected"
	case connUnavailable:
		return "disconnected"
	}
	return fmt.Sprintf("connState(%d)", int(c))
}

// imageConn is one image as the server sees it.
type imageConn struct {
	s        *server
	opts     Options
	client   *bridge.Client
	sessions *sessions
	index    *classIndex
	sup      *supervisor // nil unless the settings name an image
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup // the pinger and the supervisor

	mu           sync.Mutex // guards the fields below
	state        connState
	gen          uint64 // bumped at every change of state; see observe
	reason       string
	told         bool            // the user was told the image is unavailable
	pinging      bool            // a pinger runs
	pharoVersion string          // from the last ping
	folders      map[string]bool // folder paths using this connection ("" is the default)
	tokenErr     error
	closed       bool // set by close: no goroutine may be started (wg.Add) after it
}

func newImageConn(s *server, opts Options) *imageConn {
	token, err := bridge.ReadToken("", opts.TokenFile)
	if err == nil && token == "" && opts.Image.Path != "" {
		// stui-lsp starts the image: it can choose the token itself.
		token = newToken()
	}
	ctx, cancel := context.WithCancel(s.ctx)
	c := &imageConn{
		s:    s,
		opts: opts,
		client: bridge.NewClient(bridge.Config{
			Endpoint: opts.Endpoint,
			Token:    token,
			Logger:   s.baseLog,
		}),
		ctx:      ctx,
		cancel:   cancel,
		folders:  map[string]bool{},
		tokenErr: err,
	}
	c.sessions = newSessions(c, s.cfg.StateDir)
	c.index = newClassIndex()
	if opts.Image.Path != "" {
		c.sup = newSupervisor(c, opts.Image, token)
	}
	return c
}

// start starts the supervisor, if any, and a first ping.
func (c *imageConn) start() {
	if c.tokenErr != nil {
		c.s.showMessage(protocol.MessageTypeError, "STUI: %v. Set stui.tokenFile to a readable file holding the image's token, or set $STUI_TOKEN.", c.tokenErr)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if c.sup != nil {
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.sup.run(c.ctx) }()
	}
	c.pinging = true
	c.wg.Add(1)
	go func() { defer c.wg.Done(); c.ping(c.ctx) }()
}

func (c *imageConn) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	c.sessions.close()
	_ = c.client.Close()
}

// use records that a folder uses the connection; a folder new to a connection whose
// state is known is told it.
func (c *imageConn) use(folderPath string) {
	c.mu.Lock()
	known := c.folders[folderPath]
	c.folders[folderPath] = true
	state := c.state
	c.mu.Unlock()
	if !known && state != connUnknown {
		c.statusOf(folderPath, "")
	}
}

// pingDeadline bounds one availability probe.
const pingDeadline = time.Second

// ping probes the image until it answers, with back-off, then marks it connected. It
// stops being the pinger before it marks the image connected: an outage recorded from
// then on starts a new pinger (were the flag cleared after, an image dying in between
// would be watched by nobody, and never seen to come back).
func (c *imageConn) ping(ctx context.Context) {
	wait := 50 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, pingDeadline)
		var res bridge.PingResult
		err := c.client.Call(pctx, bridge.Ping, "", nil, nil, &res)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			c.mu.Lock()
			c.pharoVersion = res.PharoVersion
			c.pinging = false
			c.mu.Unlock()
			c.markConnected()
			return
		}
		c.markUnavailable(err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// markConnected records a working exchange; after an outage it tells the client.
func (c *imageConn) markConnected() {
	c.mu.Lock()
	was := c.state
	c.state, c.reason, c.told = connConnected, "", false
	if was != connConnected {
		c.gen++
	}
	c.mu.Unlock()
	if was != connConnected {
		c.s.logger.Info("image connected", zap.String("endpoint", c.opts.Endpoint))
		c.status("connected", "")
		if was == connUnavailable {
			c.s.showMessage(protocol.MessageTypeInfo, "STUI: the Pharo image at %s answers again; live features are back.", c.opts.Endpoint)
		}
		go c.refreshIndex()
	}
}

// markUnavailable records that the image cannot be reached: the user is told once, and a
// pinger watches for its return.
func (c *imageConn) markUnavailable(err error) {
	c.mu.Lock()
	if c.state != connUnavailable {
		c.gen++
	}
	c.state, c.reason = connUnavailable, err.Error()
	tell := !c.told
	c.told = true
	startPinger := !c.pinging && !c.closed
	if startPinger {
		c.pinging = true
		c.wg.Add(1)
	}
	c.mu.Unlock()
	if tell {
		c.s.logger.Info("image unavailable", zap.String("endpoint", c.opts.Endpoint), zap.Error(err))
		c.status("disconnected", err.Error())
		how := "Start the image with the STUI server, or set stui.endpoint."
		if c.sup != nil {
			how = "stui-lsp is starting it again."
		}
		c.s.showMessage(protocol.MessageTypeWarning, "STUI: the Pharo image is unavailable (%v). Live features are off until it answers; %s", err, how)
	}
	if startPinger {
		go func() { defer c.wg.Done(); c.ping(c.ctx) }()
	}
}

// available answers nil and the state's generation when requests may be sent (pass the
// generation to observe with the exchange's outcome), or the error to answer at once.
func (c *imageConn) available() (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == connUnavailable {
		return 0, &bridge.Error{Type: bridge.Unavailable, Message: "the Pharo image is unavailable: " + c.reason}
	}
	return c.gen, nil
}

// observe classifies the outcome of an exchange that began in generation gen. An exchange
// that began before the last change of state says nothing about the image now: a call
// sent before an outage may still succeed after the outage was recorded, and must not
// mark a dead image connected (nor a late failure mark a recovered one unavailable).
func (c *imageConn) observe(gen uint64, err error) {
	c.mu.Lock()
	stale := gen != c.gen
	c.mu.Unlock()
	if stale {
		return
	}
	if err == nil {
		c.markConnected()
		return
	}
	e := bridge.ErrorOf(err)
	switch {
	case e == nil:
		// cancelled by the client: says nothing about the image
	case e.Type == bridge.Unavailable && !errors.Is(err, context.DeadlineExceeded):
		c.markUnavailable(err)
	case e.Type != bridge.Unavailable:
		c.markConnected()
	}
}

// status sends stui/status for every folder of the connection.
func (c *imageConn) status(state, reason string) {
	c.mu.Lock()
	fs := make([]string, 0, len(c.folders))
	for f := range c.folders {
		fs = append(fs, f)
	}
	v := c.pharoVersion
	c.mu.Unlock()
	sort.Strings(fs)
	for _, f := range fs {
		c.s.notify(MethodStatus, &StatusParams{Folder: f, State: state, PharoVersion: v, Reason: reason})
	}
}

// statusOf sends stui/status for one folder; state "" is the connection's state.
func (c *imageConn) statusOf(folder, state string) {
	c.mu.Lock()
	v := c.pharoVersion
	if state == "" {
		state = c.state.String()
		if c.state == connUnknown {
			state = "disconnected" // not probed yet: the contract knows no third state
		}
	}
	c.mu.Unlock()
	c.s.notify(MethodStatus, &StatusParams{Folder: folder, State: state, PharoVersion: v})
}

// StatusParams is the stui/status notification.
type StatusParams struct {
	Folder       string `json:"folder"`
	State        string `json:"state"`
	PharoVersion string `json:"pharoVersion,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

func (o Options) budget() *bridge.Budget {
	return &bridge.Budget{Bytes: o.Budget.Bytes, Elements: o.Budget.Elements, Depth: o.Budget.Depth}
}

// call sends a command that needs no session to the image of folder f, within deadline.
func (l *live) call(ctx context.Context, f folder, deadline time.Duration, cmd bridge.Command, params, result any) error {
	c, err := l.conn(f)
	if err != nil {
		return err
	}
	return c.call(ctx, deadline, cmd, params, result)
}

func (c *imageConn) call(ctx context.Context, deadline time.Duration, cmd bridge.Command, params, result any) error {
	return c.callIn(ctx, deadline, cmd, "", params, result)
}

// callIn sends a command through the client's connection pool, naming a session (or
// none: ""). Session commands sent this way do not wait for the session's request in
// flight.
func (c *imageConn) callIn(ctx context.Context, deadline time.Duration, cmd bridge.Command, sessionID string, params, result any) error {
	gen, err := c.available()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	err = c.client.Call(ctx, cmd, sessionID, c.opts.budget(), params, result)
	c.observe(gen, err)
	return err
}

// session answers folder f's session, within deadline.
func (l *live) session(ctx context.Context, f folder) (*imageConn, *bridge.Session, error) {
	c, err := l.conn(f)
	if err != nil {
		return nil, nil, err
	}
	gen, err := c.available()
	if err != nil {
		return nil, nil, err
	}
	s, err := c.sessions.session(ctx, f.Path)
	c.observe(gen, err)
	if err != nil {
		return nil, nil, err
	}
	return c, s, nil
}

// restart closes folder f's session and opens a new one.
func (l *live) restart(ctx context.Context, f folder) (*bridge.Session, error) {
	c, err := l.conn(f)
	if err != nil {
		return nil, err
	}
	gen, err := c.available()
	if err != nil {
		return nil, err
	}
	s, err := c.sessions.restart(ctx, f.Path)
	c.observe(gen, err)
	return s, err
}

// liveError turns a bridge error into the reply of a request: a sentence for a person.
func liveError(what string, err error) error {
	if errors.Is(err, context.Canceled) {
		return protocol.ErrRequestCancelled
	}
	if e := bridge.ErrorOf(err); e != nil {
		return &jsonrpc2.Error{Code: codeRequestFailed, Message: fmt.Sprintf("STUI: %s: %s", what, strings.TrimSpace(e.Error()))}
	}
	return fmt.Errorf("STUI: %s: %w", what, err)
}
