package lsp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/bridge"
)

// sessions keeps one STUI session per workspace folder of an image (the folder "" is the
// default session) through a bridge.Registry, and tells the user when the image lost
// one.
type sessions struct {
	c   *imageConn
	reg *bridge.Registry

	mu    sync.Mutex      // guards known
	known map[string]bool // folder paths that have a session
}

func newSessions(c *imageConn, stateDir string) *sessions {
	ss := &sessions{c: c, known: map[string]bool{}}
	opts := bridge.RegistryOptions{
		ClientID: fmt.Sprintf("stui-lsp-%d", os.Getpid()),
		OnLost:   func(folder string, lost []string) { go ss.tellLost(folder, lost) },
	}
	if stateDir != "" {
		opts.StateFile = filepath.Join(stateDir, "sessions.json")
	}
	ss.reg = bridge.NewRegistry(c.client, opts)
	return ss
}

// session answers the folder's session, opening it when it has none.
func (ss *sessions) session(ctx context.Context, folder string) (*bridge.Session, error) {
	s, err := ss.reg.Session(ctx, sessionKey(folder))
	if err == nil {
		ss.mu.Lock()
		ss.known[folder] = true
		ss.mu.Unlock()
	}
	return s, err
}

func sessionKey(folder string) string {
	if folder == "" {
		return "."
	}
	return folder
}

func (ss *sessions) tellLost(folder string, lost []string) {
	where := "the default session"
	if folder != "." && folder != "" {
		where = "the session of " + folder
	}
	if len(lost) == 0 {
		ss.c.s.showMessage(protocol.MessageTypeInfo, "STUI: the image lost %s (it was restarted); a new session was opened.", where)
		return
	}
	sort.Strings(lost)
	ss.c.s.showMessage(protocol.MessageTypeWarning, "STUI: the image lost %s (it was restarted); a new session was opened. Workspace variables lost: %s.", where, strings.Join(lost, ", "))
}

// revive touches every known session after the image was restarted, so that lost
// sessions are re-created at once (and the user told once) rather than at the next
// evaluation.
func (ss *sessions) revive(ctx context.Context) {
	ss.mu.Lock()
	folders := make([]string, 0, len(ss.known))
	for f := range ss.known {
		folders = append(folders, f)
	}
	ss.mu.Unlock()
	sort.Strings(folders)
	for _, f := range folders {
		s, err := ss.session(ctx, f)
		if err != nil {
			continue
		}
		_, _ = s.Info(ctx)
	}
}

// restart closes the folder's session and opens a new one.
func (ss *sessions) restart(ctx context.Context, folder string) (*bridge.Session, error) {
	return ss.reg.Restart(ctx, sessionKey(folder))
}

// closeDeadline bounds releasing the sessions at shutdown.
const closeDeadline = 500 * time.Millisecond

// close releases the sessions' connections; the sessions stay in the image, to be
// restored by the next stui-lsp (the registry's state file names them).
func (ss *sessions) close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeDeadline)
	defer cancel()
	_ = ss.reg.Close(ctx)
}

// variables answers the workspace variables the folder's session is known to hold,
// without a round trip (none when it has no session yet).
func (ss *sessions) variables(folder string) []string {
	ss.mu.Lock()
	known := ss.known[folder]
	ss.mu.Unlock()
	if !known {
		return nil
	}
	// Known sessions are in memory; the deadline only guards against a surprise.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s, err := ss.reg.Session(ctx, sessionKey(folder))
	if err != nil {
		return nil
	}
	return s.Variables()
}

// existingID answers the id of the folder's session without a round trip, or "" when it
// has none yet.
func (ss *sessions) existingID(folder string) string {
	ss.mu.Lock()
	known := ss.known[folder]
	ss.mu.Unlock()
	if !known {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s, err := ss.reg.Session(ctx, sessionKey(folder))
	if err != nil {
		return ""
	}
	return s.ID()
}
