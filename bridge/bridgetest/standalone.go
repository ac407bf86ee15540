package bridgetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Start starts a fake image outside a test, for benchmark programs (`stui bench`) that
// measure STUI's own layers against it. It is NewServer with a stand-in for testing.TB:
// an error that NewServer would fail the test with is answered instead. Release the
// server with Close. Restart on a standalone server panics if the port cannot be bound
// again.
func Start(opts ...Option) (srv *Server, err error) {
	tb := &standaloneTB{}
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(standaloneFailure); ok {
				srv, err = nil, errors.New(string(f))
				tb.cleanup()
				return
			}
			panic(r)
		}
	}()
	return NewServer(tb, opts...), nil
}

// standaloneFailure is the panic of a standaloneTB's Fatalf: it unwinds NewServer as
// runtime.Goexit unwinds a test.
type standaloneFailure string

// standaloneTB is what NewServer needs of a testing.TB outside a test. The embedded nil
// interface is never called: NewServer and Restart use only the methods defined here.
type standaloneTB struct {
	testing.TB

	mu       sync.Mutex // guards cleanups
	cleanups []func()
}

func (*standaloneTB) Helper() {}

func (*standaloneTB) Fatalf(format string, args ...any) {
	panic(standaloneFailure(fmt.Sprintf(format, args...)))
}

func (t *standaloneTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

func (t *standaloneTB) cleanup() {
	t.mu.Lock()
	fs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// ForgetRequests drops the requests recorded so far, so that a long run (a soak, a
// benchmark) does not keep every request in memory. It must not be called while a
// WaitFor runs.
func (s *Server) ForgetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}
