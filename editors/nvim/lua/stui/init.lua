--- STUI for Neovim: Print it, Do it, Inspect it against a live Pharo image through stui-lsp.
---
--- Start with |stui.setup()|: on Neovim 0.11+ it enables the `stui` config of lsp/stui.lua
--- (vim.lsp.enable); on 0.7 to 0.10 it starts the same config with vim.lsp.start_client for
--- every `st` buffer. The commands (:StuiPrintIt, :StuiDoIt, :StuiInspect, :StuiInterrupt,
--- :StuiRestartSession, :StuiStack) are in lua/stui/eval.lua; the inspector float in
--- lua/stui/inspector.lua.
local M = {}

--- Session state by folder URI, from stui/status notifications.
M.status = {}

local function notify(msg, level)
  vim.notify('STUI: ' .. msg, level or vim.log.levels.INFO)
end
M.notify = notify

--- The stui client attached to bufnr, or nil.
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'stui' })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == 'stui' then
      return client
    end
  end
end

--- Sends a request with client: `client:request()` on Neovim 0.11+, where the dot form is
--- deprecated, and `client.request()` before, where the method is a closure.
function M.request(client, method, params, handler, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- The config of lsp/stui.lua (found on 'runtimepath'), deep-merged with overrides.
function M.config(overrides)
  local files = vim.api.nvim_get_runtime_file('lsp/stui.lua', false)
  if #files == 0 then
    error('lsp/stui.lua is not on runtimepath: add the editors/nvim directory of stui to it')
  end
  return vim.tbl_deep_extend('force', dofile(files[1]), overrides or {})
end

local handlers = {
  ['stui/status'] = function(_, params)
    if params and params.folder then
      M.status[params.folder] = params
      if params.state == 'disconnected' then
        notify('disconnected from the image: ' .. (params.reason or 'no reason given')
          .. ' (start the image, check settings.stui.endpoint, then :StuiRestartSession)', vim.log.levels.WARN)
      end
    end
    return vim.NIL
  end,
}

local function find_root(bufnr, markers)
  local path = vim.api.nvim_buf_get_name(bufnr)
  local dir = path ~= '' and vim.fn.fnamemodify(path, ':p:h') or vim.fn.getcwd()
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return path ~= '' and vim.fn.fnamemodify(path, ':p:h') or vim.fn.getcwd()
    end
    dir = parent
  end
end

--- Client ids started by setup() on Neovim < 0.11, by root directory.
local started = {}

local function attach(bufnr, config)
  local root = find_root(bufnr, config.root_markers or {})
  local id = started[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    if vim.fn.executable(config.cmd[1]) ~= 1 then
      notify(config.cmd[1] .. ' is not executable. Install it with `go install github.com/stui-dev/stui/cmd/stui-lsp@latest`'
        .. ' and put $(go env GOPATH)/bin on PATH, or pass setup({ cmd = { "/path/to/stui-lsp" } })', vim.log.levels.ERROR)
      return
    end
    local uri = vim.uri_from_fname(root)
    id = vim.lsp.start_client(vim.tbl_extend('force', config, {
      name = 'stui',
      root_dir = root,
      workspace_folders = { { uri = uri, name = vim.fn.fnamemodify(root, ':t') } },
      init_options = config.init_options or (config.settings or {}).stui,
    }))
    started[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

--- Sets STUI up. opts (all optional): cmd, settings ({ stui = {...} }), root_markers,
--- handlers: merged over lsp/stui.lua.
function M.setup(opts)
  opts = opts or {}
  -- experimental.stui.inspector: this client has its own inspector (the float), so the
  -- server answers Inspect it instead of opening a text document.
  local capabilities = vim.tbl_deep_extend('force', vim.lsp.protocol.make_client_capabilities(), opts.capabilities or {}, {
    experimental = { stui = { inspector = true } },
  })
  local overrides = vim.tbl_deep_extend('force', opts, {
    capabilities = capabilities,
    handlers = vim.tbl_extend('keep', opts.handlers or {}, handlers),
  })
  if vim.lsp.config and vim.lsp.enable then
    vim.lsp.config('stui', overrides)
    vim.lsp.enable('stui')
    return
  end
  local config = M.config(overrides)
  local group = vim.api.nvim_create_augroup('stui', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      attach(args.buf, config)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      attach(bufnr, config)
    end
  end
end

--- A statusline component: the current buffer's folder session state.
function M.statusline()
  local client = M.client()
  if not client then
    return ''
  end
  for _, folder in ipairs(client.workspace_folders or {}) do
    -- The server names the folder by path or by URI.
    local s = M.status[folder.uri] or M.status[vim.uri_to_fname(folder.uri)]
    if s then
      if s.state == 'connected' then
        return 'Pharo ' .. (s.pharoVersion or '')
      end
      return 'Pharo ' .. s.state
    end
  end
  return 'Pharo …'
end

return M
