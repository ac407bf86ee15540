package lsp

import (
	"context"
	"fmt"
	"time"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// Launcher starts Pharo images. The default one is bridge/launch; tests use a fake VM.
type Launcher interface {
	// Launch starts the image and answers once it serves STUI at spec.Endpoint, within
	// ctx's deadline. The caller stops it with Image.Stop.
	Launch(ctx context.Context, spec ImageSpec) (Image, error)
}

// ImageSpec says which image to start and where it must serve.
type ImageSpec struct {
	Path     string // the .image file
	VM       string // the VM executable; "" means `pharo` on PATH
	Endpoint string // tcp://HOST:PORT the image's STUI server binds
	Token    string // the token it requires
}

// Image is a started image.
type Image interface {
	// Done is closed when the image's process has exited.
	Done() <-chan struct{}
	// Stop ends the image, waiting for it within ctx.
	Stop(ctx context.Context) error
}

// Supervision timings.
const (
	launchDeadline = 60 * time.Second // from start to the first ping answered
	stopDeadline   = 5 * time.Second
	backoffMin     = 200 * time.Millisecond
	backoffMax     = 30 * time.Second
	stableAfter    = time.Minute // an image that ran this long resets the back-off
)

// supervisor starts an image, restarts it with back-off when it dies, and has the
// folders' sessions re-created after a restart.
type supervisor struct {
	c    *imageConn
	spec ImageSpec
}

func newSupervisor(c *imageConn, img ImageOptions, token string) *supervisor {
	return &supervisor{c: c, spec: ImageSpec{Path: img.Path, VM: img.VM, Endpoint: c.opts.Endpoint, Token: token}}
}

// run supervises the image until ctx is done, then stops it.
func (sv *supervisor) run(ctx context.Context) {
	launcher := sv.c.s.cfg.Launcher
	if launcher == nil {
		launcher = pharoLauncher{log: sv.c.s.baseLog}
	}
	log := sv.c.s.logger.With(zap.String("image", sv.spec.Path), zap.String("endpoint", sv.spec.Endpoint))
	wait := backoffMin
	starts := 0
	failures := 0
	for ctx.Err() == nil {
		lctx, cancel := context.WithTimeout(ctx, launchDeadline)
		img, err := launcher.Launch(lctx, sv.spec)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			log.Warn("the image did not start", zap.Error(err), zap.Duration("retry in", wait))
			if failures == 1 {
				sv.c.s.showMessage(protocol.MessageTypeError, "STUI: could not start the image %s: %v. Check stui.image.path and stui.image.vm; retrying.", sv.spec.Path, err)
			}
			if !sleep(ctx, wait) {
				return
			}
			wait = min(wait*2, backoffMax)
			continue
		}
		failures = 0
		starts++
		started := time.Now()
		log.Info("image started", zap.Int("start", starts))
		sv.c.markConnected()
		if starts > 1 {
			// The image may have lost the sessions: re-create them now and tell the user once.
			rctx, cancel := context.WithTimeout(ctx, sv.c.opts.requestDeadline())
			sv.c.sessions.revive(rctx)
			cancel()
		}
		select {
		case <-img.Done():
			log.Warn("the image exited; restarting it", zap.Duration("after", time.Since(started)), zap.Duration("back-off", wait))
			sv.c.markUnavailable(fmt.Errorf("the image %s exited", sv.spec.Path))
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), stopDeadline)
			if err := img.Stop(sctx); err != nil {
				log.Warn("stopping the image", zap.Error(err))
			}
			cancel()
			return
		}
		if time.Since(started) > stableAfter {
			wait = backoffMin
		}
		if !sleep(ctx, wait) {
			return
		}
		wait = min(wait*2, backoffMax)
	}
}

// sleep waits d or until ctx is done; it answers false when ctx is done.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
