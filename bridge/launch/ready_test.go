package launch

import (
	"strings"
	"testing"

	"github.com/stui-dev/stui/pharo/scripts"
)

// The launcher recognises the line serve.st prints.
func TestReadyLineMatchesServeScript(t *testing.T) {
	if !strings.Contains(string(scripts.Serve), "nextPutAll: 'STUI ready on tcp://' , server bindAddress asString , ':' , boundPort printString") {
		t.Fatal("serve.st no longer prints 'STUI ready on tcp://' , address , ':' , port; update readyLine with it")
	}
	for line, want := range map[string]string{
		"STUI ready on tcp://127.0.0.1:4044":  "tcp://127.0.0.1:4044",
		"STUI ready on tcp://127.0.0.1:51234": "tcp://127.0.0.1:51234",
		"STUI ready on tcp://127.0.0.1:":      "",
		"STUI ready":                          "",
		"Loading STUI ready on tcp://x:1":     "",
	} {
		got := ""
		if m := readyLine.FindStringSubmatch(line); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: endpoint %q, want %q", line, got, want)
		}
	}
}
