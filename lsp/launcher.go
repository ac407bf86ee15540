package lsp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/launch"
)

// pharoLauncher starts images with bridge/launch: the VM runs serve.st, binds the
// endpoint's port, and is ready once a ping through the bridge answers.
type pharoLauncher struct {
	log *zap.Logger
}

func (l pharoLauncher) Launch(ctx context.Context, spec ImageSpec) (Image, error) {
	port, err := endpointPort(spec.Endpoint)
	if err != nil {
		return nil, err
	}
	vm := spec.VM
	if vm == "" {
		if vm, err = exec.LookPath("pharo"); err != nil {
			return nil, fmt.Errorf("no Pharo VM: set stui.image.vm, or put `pharo` on PATH (%v)", err)
		}
	}
	return launch.Start(ctx, launch.Config{
		VM:     vm,
		Image:  spec.Path,
		Port:   port,
		Token:  spec.Token,
		Ping:   pingWith(spec.Endpoint, spec.Token, l.log),
		Logger: l.log,
		Output: &zapWriter{log: l.log.Named("vm")},
	})
}

// pingWith answers a ping function for launch: one bridge ping within a second.
func pingWith(endpoint, token string, log *zap.Logger) func(context.Context, string) error {
	return func(ctx context.Context, _ string) error {
		c := bridge.NewClient(bridge.Config{Endpoint: endpoint, Token: token, Logger: log})
		defer c.Close()
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		err := c.Call(ctx, bridge.Ping, "", nil, nil, nil)
		if e := bridge.ErrorOf(err); e != nil && e.Type == bridge.Unauthorized {
			return launch.Permanent(err)
		}
		return err
	}
}

func endpointPort(endpoint string) (int, error) {
	addr, ok := strings.CutPrefix(endpoint, "tcp://")
	i := strings.LastIndexByte(addr, ':')
	if !ok || i < 0 {
		return 0, fmt.Errorf("stui.endpoint %q is not tcp://HOST:PORT", endpoint)
	}
	host := addr[:i]
	if host != "127.0.0.1" && host != "localhost" && host != "[::1]" {
		return 0, fmt.Errorf("stui-lsp starts images on the loopback only; stui.endpoint is %q", endpoint)
	}
	return strconv.Atoi(addr[i+1:])
}

// newToken answers a random token, for an image stui-lsp starts when the settings give
// none.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// zapWriter logs what the VM prints, line by line, at debug level.
type zapWriter struct {
	log     *zap.Logger
	partial []byte
}

func (w *zapWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := strings.IndexByte(string(w.partial), '\n')
		if i < 0 {
			break
		}
		w.log.Debug(strings.TrimRight(string(w.partial[:i]), "\r"))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}
