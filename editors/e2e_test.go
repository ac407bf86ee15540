// Package editors_test drives the editor clients of editors/ against the built stui-lsp
// and the fake image (bridge/bridgetest): headless Neovim with the plugin and Neovim's own
// LSP client (editors/nvim/test/e2e.lua), and vscode-languageclient's protocol layer in
// Node (editors/vscode/test/e2e.test.ts). Each test skips, saying why, when its editor or
// its node_modules are missing; CI installs them (see .ci/run).
package editors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stui-dev/stui/bridge/bridgetest"
	"github.com/stui-dev/stui/lsp"
)

// serverPath is the stui-lsp built once for every test by TestMain.
var serverPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stui-editors-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverPath = filepath.Join(dir, "stui-lsp")
	build := exec.Command("go", "build", "-o", serverPath, "github.com/stui-dev/stui/cmd/stui-lsp")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	code := 1
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building stui-lsp:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is a fake image, its token file and a workspace folder for one test.
type fixture struct {
	endpoint, tokenFile, workspace string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	img := bridgetest.NewServer(t)
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte(img.Token()), 0o600); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(dir, "workspace")
	if err := os.MkdirAll(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, ".project"), []byte("{ 'srcDirectory' : 'src' }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return fixture{endpoint: img.Endpoint(), tokenFile: token, workspace: ws}
}

func (f fixture) env() []string {
	return append(os.Environ(),
		"STUI_LSP="+serverPath,
		"STUI_ENDPOINT="+f.endpoint,
		"STUI_TOKEN_FILE="+f.tokenFile,
		"STUI_WORKSPACE="+f.workspace,
	)
}

// run runs cmd within timeout and answers its combined output and error.
func run(t *testing.T, timeout time.Duration, env []string, dir string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = env, dir
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s did not finish within %v: %w", name, timeout, ctx.Err())
	}
	return string(out), err
}

func nvimDir(t *testing.T) string {
	dir, err := filepath.Abs("nvim")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// nvim runs one case of editors/nvim/test/e2e.lua in a fresh headless Neovim.
func nvim(t *testing.T, f fixture, name string) string {
	t.Helper()
	bin, err := exec.LookPath("nvim")
	if err != nil {
		t.Skip("nvim is not installed (Debian: apt-get install neovim)")
	}
	dir := nvimDir(t)
	env := append(f.env(), "STUI_CASE="+name, "STUI_NVIM_DIR="+dir, "XDG_STATE_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
	out, err := run(t, 90*time.Second, env, f.workspace, bin,
		"--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", "luafile "+filepath.Join(dir, "test", "e2e.lua"))
	if err != nil || !strings.Contains(out, "ok - "+name+"\n") || strings.Contains(out, "not ok") {
		t.Fatalf("nvim case %s: %v\n%s", name, err, out)
	}
	return out
}

func TestNeovim(t *testing.T) {
	for _, name := range []string{"positions", "print_it", "do_it", "inspect", "syntax_error", "interrupt", "server_diagnostics", "hover_code_action"} {
		t.Run(name, func(t *testing.T) {
			nvim(t, newFixture(t), name)
		})
	}
}

func TestEmacsEglot(t *testing.T) {
	emacs, err := exec.LookPath("emacs")
	if err != nil {
		t.Skip("emacs is not installed (Debian: apt-get install emacs-nox elpa-eglot)")
	}
	f := newFixture(t)
	script, _ := filepath.Abs(filepath.Join("emacs", "test", "e2e.el"))
	env := append(f.env(), "HOME="+t.TempDir())
	out, err := run(t, 90*time.Second, env, f.workspace, emacs, "--batch", "-q", "-l", script)
	if strings.Contains(out, "Cannot open load file") && strings.Contains(out, "eglot") {
		t.Skip("eglot is not installed (Debian: apt-get install elpa-eglot)")
	}
	if err != nil || !strings.Contains(out, "ok - eglot\n") || strings.Contains(out, "not ok") {
		t.Fatalf("emacs: %v\n%s", err, out)
	}
}

func TestVSCodeProtocol(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir, _ := filepath.Abs("vscode")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "vscode-languageserver-protocol")); err != nil {
		t.Skip("editors/vscode/node_modules is missing: run npm ci in editors/vscode")
	}
	f := newFixture(t)
	if out, err := run(t, 5*time.Minute, os.Environ(), dir, node, filepath.Join("node_modules", "typescript", "bin", "tsc"), "-p", "."); err != nil {
		t.Fatalf("tsc: %v\n%s", err, out)
	}
	out, err := run(t, 2*time.Minute, f.env(), dir, node, "--test", "--test-reporter=tap", filepath.Join("out", "test", "e2e.test.js"))
	pass := regexp.MustCompile(`(?m)^# pass (\d+)$`).FindStringSubmatch(out)
	if err != nil || pass == nil || pass[1] == "0" || !strings.Contains(out, "# fail 0") || !strings.Contains(out, "# skipped 0") {
		t.Fatalf("node --test e2e.test.js: %v\n%s", err, out)
	}
	t.Logf("%s protocol-layer tests passed", pass[1])
	if testing.Verbose() {
		t.Log(out)
	}
}

// optionKeys answers the dotted json keys of a struct type, with their Go values in v.
func optionKeys(prefix string, v reflect.Value, into map[string]any) {
	for i := 0; i < v.NumField(); i++ {
		name := strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0]
		if v.Field(i).Kind() == reflect.Struct {
			optionKeys(prefix+name+".", v.Field(i), into)
			continue
		}
		into[prefix+name] = v.Field(i).Interface()
	}
}

// flatten answers the dotted keys of a decoded JSON object.
func flatten(prefix string, m map[string]any, into map[string]any) {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			flatten(prefix+k+".", sub, into)
			continue
		}
		into[prefix+k] = v
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// want answers lsp.DefaultOptions as dotted keys and JSON-decoded values.
func wantSettings(t *testing.T) map[string]any {
	raw := map[string]any{}
	optionKeys("", reflect.ValueOf(lsp.DefaultOptions()), raw)
	b, _ := json.Marshal(raw)
	want := map[string]any{}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestVSCodeSettingsAreLSPOptions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("vscode", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Contributes struct {
			Configuration struct {
				Properties map[string]struct {
					Default any `json:"default"`
				} `json:"properties"`
			} `json:"configuration"`
		} `json:"contributes"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for k, p := range pkg.Contributes.Configuration.Properties {
		k = strings.TrimPrefix(k, "stui.")
		if k != "server.path" && k != "trace.server" {
			got[k] = p.Default
		}
	}
	want := wantSettings(t)
	if !reflect.DeepEqual(sortedKeys(got), sortedKeys(want)) {
		t.Fatalf("package.json stui.* keys = %v, lsp.Options = %v", sortedKeys(got), sortedKeys(want))
	}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("default of stui.%s: package.json %v, lsp.DefaultOptions %v", k, got[k], v)
		}
	}
}

func TestNeovimSettingsAreLSPOptions(t *testing.T) {
	out := nvim(t, fixture{}, "settings")
	m := regexp.MustCompile(`(?m)^settings=(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no settings in:\n%s", out)
	}
	var table map[string]any
	if err := json.Unmarshal([]byte(m[1]), &table); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	flatten("", table, got)
	want := wantSettings(t)
	if !reflect.DeepEqual(sortedKeys(got), sortedKeys(want)) {
		t.Fatalf("lsp/stui.lua settings.stui keys = %v, lsp.Options = %v", sortedKeys(got), sortedKeys(want))
	}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("lsp/stui.lua settings.stui.%s = %v, lsp.DefaultOptions %v", k, got[k], v)
		}
	}
}
