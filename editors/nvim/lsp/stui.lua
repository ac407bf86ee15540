---@brief
---
--- STUI: Smalltalk against a live Pharo image, through stui-lsp.
---
--- Install the server with `go install github.com/stui-dev/stui/cmd/stui-lsp@latest`,
--- start the image's STUI server, then `vim.lsp.enable('stui')`. The `settings.stui` table
--- has the keys of VS Code's `stui.*` settings (documented in stui's lsp/options.go);
--- override them with `vim.lsp.config('stui', { settings = { stui = { endpoint = ... } } })`.
---
--- Print it, Do it, Inspect it and the inspector float are in the plugin
--- (`require('stui').setup()`), which also starts the server on Neovim 0.7 to 0.10.

---@type vim.lsp.Config
return {
  cmd = { 'stui-lsp' },
  filetypes = { 'st' },
  root_markers = { '.project', '.git' },
  settings = {
    stui = {
      endpoint = 'tcp://127.0.0.1:4044',
      tokenFile = '',
      deadlines = { request = 5000, evaluate = 30000, hover = 1000 },
      budget = { bytes = 65536, elements = 100, depth = 3 },
      image = { path = '', vm = '' },
      compileOnSave = false,
      diagnostics = { delay = 200 },
    },
  },
}
