// Command stui-lsp is the STUI language server: it speaks LSP on stdin/stdout and
// connects the editor to a live Pharo image. See package lsp.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/stui-dev/stui/lsp"
)

var version = "0.1.0-dev" // set with -ldflags "-X main.version=...", as stui's cli.Version

func main() {
	logfile := flag.String("logfile", "", "write the log to this file instead of stderr")
	level := zap.LevelFlag("log-level", zapcore.InfoLevel, "log level: debug, info, warn, error")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println("stui-lsp", version)
		return
	}
	// stdout carries the protocol and nothing else: keep it for the stream, and send
	// anything else that writes to os.Stdout to stderr.
	stdout := os.Stdout
	os.Stdout = os.Stderr

	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(*level)
	cfg.OutputPaths, cfg.ErrorOutputPaths = []string{"stderr"}, []string{"stderr"}
	if *logfile != "" {
		cfg.OutputPaths, cfg.ErrorOutputPaths = []string{*logfile}, []string{*logfile}
	}
	logger, err := cfg.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stui-lsp:", err)
		os.Exit(2)
	}
	defer logger.Sync()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = lsp.Serve(ctx, lsp.StdioConn(os.Stdin, stdout), lsp.Config{Logger: logger, Version: version})
	if errors.Is(err, lsp.ErrExitWithoutShutdown) {
		os.Exit(1)
	}
	if err != nil {
		logger.Error("stui-lsp stopped", zap.Error(err))
		os.Exit(1)
	}
}
