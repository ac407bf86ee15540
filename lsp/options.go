package lsp

// Options is the `stui` configuration section. Every client reads and sends the same
// keys: VS Code's settings (editors/vscode/package.json, prefixed `stui.`), Neovim's
// `settings.stui` table (editors/nvim/lsp/stui.lua) and Emacs' eglot workspace
// configuration. The server asks for it with workspace/configuration, once per workspace
// folder (scopeUri = the folder), so every key may differ per folder; initializationOptions
// with the same shape are used for clients that do not answer workspace/configuration.
//
// | key                  | type     | default                 | meaning |
// |----------------------|----------|-------------------------|---------|
// | endpoint             | string   | tcp://127.0.0.1:4044    | the image's STUI endpoint |
// | tokenFile            | string   | ""                      | file holding the token; empty: $STUI_TOKEN |
// | deadlines.request    | ms       | 5000                    | deadline of introspection requests |
// | deadlines.evaluate   | ms       | 30000                   | deadline of Print it / Do it / Inspect it |
// | deadlines.hover      | ms       | 1000                    | deadline of hover requests |
// | budget.bytes         | int      | 65536                   | print strings are cut at this many bytes |
// | budget.elements      | int      | 100                     | collections show at most this many elements |
// | budget.depth         | int      | 3                       | nesting shown in print strings |
// | image.path           | string   | ""                      | a Pharo image to start and supervise; empty: connect only |
// | image.vm             | string   | ""                      | the Pharo VM; empty: `pharo` on PATH |
// | compileOnSave        | bool     | false                   | install a Tonel file's methods in the image on save |
// | diagnostics.delay    | ms       | 200                     | debounce of syntax diagnostics while typing |
type Options struct {
	Endpoint      string            `json:"endpoint"`
	TokenFile     string            `json:"tokenFile"`
	Deadlines     DeadlineOptions   `json:"deadlines"`
	Budget        BudgetOptions     `json:"budget"`
	Image         ImageOptions      `json:"image"`
	CompileOnSave bool              `json:"compileOnSave"`
	Diagnostics   DiagnosticOptions `json:"diagnostics"`
}

// DeadlineOptions are deadlines in milliseconds.
type DeadlineOptions struct {
	Request  int `json:"request"`
	Evaluate int `json:"evaluate"`
	Hover    int `json:"hover"`
}

// BudgetOptions bound what the image builds for an answer.
type BudgetOptions struct {
	Bytes    int `json:"bytes"`
	Elements int `json:"elements"`
	Depth    int `json:"depth"`
}

// ImageOptions name an image for stui-lsp to start and supervise.
type ImageOptions struct {
	Path string `json:"path"`
	VM   string `json:"vm"`
}

// DiagnosticOptions tune diagnostics.
type DiagnosticOptions struct {
	Delay int `json:"delay"`
}

// DefaultOptions answers the options used for keys a client does not set.
func DefaultOptions() Options {
	return Options{
		Endpoint:    "tcp://127.0.0.1:4044",
		Deadlines:   DeadlineOptions{Request: 5000, Evaluate: 30000, Hover: 1000},
		Budget:      BudgetOptions{Bytes: 64 << 10, Elements: 100, Depth: 3},
		Diagnostics: DiagnosticOptions{Delay: 200},
	}
}
