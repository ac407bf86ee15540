package scripts

import (
	"bytes"
	"strings"
	"testing"
)

// The st command reads a script as chunks separated by '!': a '!' anywhere in it would
// cut it in two.
func TestScriptsHaveNoChunkSeparator(t *testing.T) {
	for name, s := range map[string][]byte{"serve.st": Serve, "test.st": Test} {
		if i := bytes.IndexByte(s, '!'); i >= 0 {
			t.Errorf("%s has a '!' at byte %d; the st command would split the script there", name, i)
		}
	}
}

// What stui and the launcher rely on: the lines the scripts print and the variables they read.
func TestScriptsSayWhatTheLauncherExpects(t *testing.T) {
	for name, tc := range map[string]struct {
		script []byte
		wants  []string
	}{
		"serve.st": {Serve, []string{"'STUI ready on tcp://'", "STUI_PORT", "STUI_TOKEN", "STUI_TOKEN_FILE", "STUI_TRANSPORT", "STUI_SOURCE", "Smalltalk exitFailure", "BaselineOfSTUI"}},
		"test.st":  {Test, []string{"'STUI tests: '", "STUI_SOURCE", "Smalltalk exitSuccess", "Smalltalk exitFailure", "'STUI-Tests'"}},
	} {
		for _, w := range tc.wants {
			if !strings.Contains(string(tc.script), w) {
				t.Errorf("%s does not contain %q", name, w)
			}
		}
	}
}
