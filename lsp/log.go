package lsp

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"
	"go.uber.org/zap/zapcore"
)

// forwardingCore tees core with a core that queues entries at warning level and above for
// window/logMessage. The queue is bounded; entries that do not fit are dropped, so that
// logging never waits for the client.
func forwardingCore(core zapcore.Core, queue chan<- protocol.LogMessageParams) zapcore.Core {
	return zapcore.NewTee(core, &queueCore{LevelEnabler: zapcore.WarnLevel, queue: queue})
}

type queueCore struct {
	zapcore.LevelEnabler
	fields []zapcore.Field
	queue  chan<- protocol.LogMessageParams
}

func (c *queueCore) With(fields []zapcore.Field) zapcore.Core {
	return &queueCore{LevelEnabler: c.LevelEnabler, fields: append(c.fields[:len(c.fields):len(c.fields)], fields...), queue: c.queue}
}

func (c *queueCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *queueCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range append(c.fields[:len(c.fields):len(c.fields)], fields...) {
		f.AddTo(enc)
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for k, v := range enc.Fields {
		if k == "stack" {
			continue
		}
		b.WriteString(" ")
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(strings.TrimSpace(strings.ReplaceAll(toString(v), "\n", " ")))
	}
	typ := protocol.MessageTypeWarning
	if e.Level >= zapcore.ErrorLevel {
		typ = protocol.MessageTypeError
	}
	select {
	case c.queue <- protocol.LogMessageParams{Type: typ, Message: b.String()}:
	default: // full: dropped
	}
	return nil
}

func (c *queueCore) Sync() error { return nil }

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case error:
		return v.Error()
	}
	return fmt.Sprint(v)
}

// forwardLogs sends queued log entries as window/logMessage until ctx is done. It logs
// through baseLog only: forwarding its own failures would recurse.
func (s *server) forwardLogs(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-s.logQueue:
			s.notify(protocol.MethodWindowLogMessage, &m)
		}
	}
}
