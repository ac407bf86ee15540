// Command fakevm behaves like a Pharo VM running pharo/scripts/serve.st, for the tests of
// package launch and of `stui pharo`: it checks its command line (--headless IMAGE st
// SCRIPT), reads STUI_PORT and STUI_TOKEN or STUI_TOKEN_FILE, prints the ready line and
// answers ping over ZeroMQ (zmq4 REP) as the STUI server would. FAKEVM_MODE chooses how it
// behaves:
//
//	serve     print noise, the ready line, answer ping; exit 0 on SIGTERM (default)
//	stubborn  as serve, but ignore SIGTERM (only SIGKILL ends it)
//	exit      print a failure on stderr and exit with status 1, before any ready line
//	silent    print nothing and wait to be killed
//	noping    print the ready line, answer nothing
//	crash     print the ready line, answer ping, exit with status 3 once FAKEVM_CRASH_FILE exists
//
// Given test.st instead of serve.st, it checks STUI_SOURCE and STUI_TESTDATA, prints a
// summary line and exits with FAKEVM_TEST_STATUS.
//
// FAKEVM_PIDFILE, when set, receives its process id.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"
)

func main() {
	os.Exit(run())
}

func run() int {
	args := os.Args[1:]
	if len(args) != 4 || args[0] != "--headless" || args[2] != "st" {
		fmt.Fprintf(os.Stderr, "fakevm: want --headless IMAGE st SCRIPT, got %q\n", args)
		return 9
	}
	if _, err := os.Stat(args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "fakevm: image: %v\n", err)
		return 9
	}
	script, err := os.ReadFile(args[3])
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakevm: %v\n", err)
		return 9
	}
	if strings.Contains(string(script), "STUI tests:") {
		return runTests()
	}
	if !strings.Contains(string(script), "STUI ready on") {
		fmt.Fprintf(os.Stderr, "fakevm: %s is neither serve.st nor test.st\n", args[3])
		return 9
	}
	if f := os.Getenv("FAKEVM_PIDFILE"); f != "" {
		os.WriteFile(f, []byte(strconv.Itoa(os.Getpid())), 0o600)
	}
	mode := os.Getenv("FAKEVM_MODE")
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	if mode == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
	}
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "STUI failed to start: Error: no token")
		return 1
	case "silent":
		<-term
		return 0
	}
	token := os.Getenv("STUI_TOKEN")
	if f := os.Getenv("STUI_TOKEN_FILE"); token == "" && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "STUI failed to start: %v\n", err)
			return 1
		}
		token = strings.TrimSpace(string(b))
	}
	port, err := strconv.Atoi(os.Getenv("STUI_PORT"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "STUI failed to start: STUI_PORT: %v\n", err)
		return 1
	}
	fmt.Println("Pharo 12.0 loading (fake)")
	if mode == "noping" {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			fmt.Fprintf(os.Stderr, "STUI failed to start: %v\n", err)
			return 1
		}
		defer ln.Close()
		fmt.Printf("STUI ready on tcp://%s\n", ln.Addr())
		<-term
		return 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep := zmq4.NewRep(ctx)
	defer rep.Close()
	if err := rep.Listen(fmt.Sprintf("tcp://127.0.0.1:%d", port)); err != nil {
		fmt.Fprintf(os.Stderr, "STUI failed to start: %v\n", err)
		return 1
	}
	go serve(rep, token)
	fmt.Printf("STUI ready on tcp://%s\n", rep.Addr())
	fmt.Fprintln(os.Stderr, "STUI transport zmtp listening")
	crash := time.NewTicker(20 * time.Millisecond)
	defer crash.Stop()
	for {
		select {
		case <-term:
			fmt.Fprintln(os.Stderr, "fakevm: SIGTERM, stopping")
			return 0
		case <-crash.C:
			if f := os.Getenv("FAKEVM_CRASH_FILE"); mode == "crash" && f != "" {
				if _, err := os.Stat(f); err == nil {
					fmt.Fprintln(os.Stderr, "fakevm: crashing")
					return 3
				}
			}
		}
	}
}

// runTests plays test.st: it checks the environment `stui pharo test` gives it and
// answers FAKEVM_TEST_STATUS (default 0).
func runTests() int {
	for _, v := range []string{"STUI_SOURCE", "STUI_TESTDATA"} {
		if fi, err := os.Stat(os.Getenv(v)); err != nil || !fi.IsDir() {
			fmt.Fprintf(os.Stderr, "fakevm: %s is not a directory: %q\n", v, os.Getenv(v))
			return 9
		}
	}
	status, _ := strconv.Atoi(os.Getenv("FAKEVM_TEST_STATUS"))
	if status != 0 {
		fmt.Println("FAIL STUIZmtpCodecTest>>#testFake")
	}
	fmt.Printf("STUI tests: 3 run, %d passes\n", 3-min(status, 1))
	return status
}

// serve answers every request as STUI's ping would, or Unauthorized for a wrong token.
func serve(rep zmq4.Socket, token string) {
	for {
		msg, err := rep.Recv()
		if err != nil {
			return
		}
		var req struct {
			ID      string `json:"id"`
			Command string `json:"command"`
			Token   string `json:"token"`
		}
		json.Unmarshal(msg.Bytes(), &req)
		resp := map[string]any{"version": 1, "id": req.ID, "timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), "duration_ms": 0.1}
		switch {
		case req.Token != token:
			resp["status"] = "error"
			resp["error"] = map[string]any{"type": "Unauthorized", "message": "The token is missing or wrong."}
		case req.Command != "ping":
			resp["status"] = "error"
			resp["error"] = map[string]any{"type": "UnknownCommand", "message": "fakevm answers ping only.", "details": map[string]any{"command": req.Command}}
		default:
			resp["status"] = "success"
			resp["result"] = map[string]any{"pong": true, "server": "STUI", "server_version": "1.0.0", "protocol_version": 1, "pharo_version": "Pharo 12.0.0 (fake)", "transport": "zmtp"}
		}
		b, _ := json.Marshal(resp)
		if err := rep.Send(zmq4.NewMsg(b)); err != nil {
			return
		}
	}
}
