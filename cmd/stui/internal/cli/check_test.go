package cli

import (
	"bytes"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	return Main(args, env), out.String(), errb.String()
}

const checkTestdata = "../../../../lsp/smalltalk/check/testdata/"

func TestCheckCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "check", "--api", checkTestdata+"api", checkTestdata+"good")
	if code != ExitOK || out != "" {
		t.Errorf("check of a good directory: exit %d, output %q %q; want 0 and nothing", code, out, errOut)
	}
	code, out, _ = runCLI(t, "check", "--api", checkTestdata+"api", checkTestdata+"bad")
	if code != ExitSmalltalk {
		t.Errorf("check of a bad directory: exit %d; want %d", code, ExitSmalltalk)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 9 || !strings.HasPrefix(lines[0], checkTestdata+"bad/Gadget.class.st:10:9: unknown selector #frobnicate") {
		t.Errorf("output = %q; want 9 problems as file:line:col: message", out)
	}
	code, out, _ = runCLI(t, "check", "--syntax", checkTestdata+"bad")
	if code != ExitSmalltalk || strings.Count(out, "\n") != 1 {
		t.Errorf("check --syntax: exit %d, output %q; want 1 and the syntax error", code, out)
	}
	code, _, errOut = runCLI(t, "check", "--api", t.TempDir(), checkTestdata+"good")
	if code != ExitUsage || !strings.Contains(errOut, "pharo12-classes.tsv") {
		t.Errorf("check with no API lists: exit %d, stderr %q; want %d and a message naming the lists", code, errOut, ExitUsage)
	}
	if code, _, _ = runCLI(t, "check"); code != ExitUsage {
		t.Errorf("check without a directory: exit %d; want %d", code, ExitUsage)
	}
}
