package lsp

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestLogForwardingIsBoundedAndFiltered(t *testing.T) {
	queue := make(chan protocol.LogMessageParams, 2)
	log := zap.New(forwardingCore(zapcore.NewNopCore(), queue))
	log.Info("not forwarded")
	log.Warn("first", zap.String("k", "v"))
	log.Error("second")
	log.Warn("dropped: the queue is full") // must not block
	if len(queue) != 2 {
		t.Fatalf("queued %d entries, want 2", len(queue))
	}
	m := <-queue
	if m.Type != protocol.MessageTypeWarning || !strings.Contains(m.Message, "first") || !strings.Contains(m.Message, "k=v") {
		t.Errorf("first entry: %+v", m)
	}
	if m := <-queue; m.Type != protocol.MessageTypeError || m.Message != "second" {
		t.Errorf("second entry: %+v", m)
	}
}
