--- The evaluation commands: :StuiPrintIt, :StuiDoIt, :StuiInspect (with visual ranges),
--- :StuiInterrupt, :StuiRestartSession and :StuiStack. Each sends stui-lsp's
--- workspace/executeCommand (lsp/command.go) with {uri, range}.
local stui = require('stui')
local position = require('stui.position')

local M = {}

local ns_result = vim.api.nvim_create_namespace('stui.result')
local ns_running = vim.api.nvim_create_namespace('stui.running')
--- Diagnostics of failed evaluations (the server's syntax diagnostics have their own).
M.ns_error = vim.api.nvim_create_namespace('stui.evaluation')
--- The last failed evaluation, for :StuiStack: { type, message, stack }.
M.last_error = nil

local function encoding(client)
  return client.offset_encoding or 'utf-16'
end

--- The print string an evaluation answered, or nil.
local function print_string(result)
  if type(result) == 'string' then
    return result
  elseif type(result) ~= 'table' then
    return nil
  end
  return (type(result.value) == 'table' and result.value.print_string) or result.print_string or result.printString
end
M.print_string = print_string

local function empty(range)
  return range.start.line == range['end'].line and range.start.character == range['end'].character
end

--- Where the text Print it inserted lies (0-based rows, byte columns), so it can be
--- selected. The server answers `inserted` and `range`, an empty range where it went
--- (lsp.PrintItResult); when the buffer does not hold that text there, " <print string>" is
--- looked for right after the evaluated range (from the start of its line when the range
--- is empty: the server evaluated the statement there).
function M.inserted(bufnr, range, result, enc)
  local ps = print_string(result)
  local inserted = type(result) == 'table' and type(result.inserted) == 'string' and result.inserted or (ps and ' ' .. ps)
  if not inserted then
    return nil
  end
  local text, at, offset = position.text(bufnr)
  if type(result) == 'table' and type(result.range) == 'table' then
    local o = offset(position.buf(bufnr, result.range.start, enc))
    if text:sub(o + 1, o + #inserted) == inserted then
      local sr, sc = at(o)
      local er, ec = at(o + #inserted)
      return sr, sc, er, ec
    end
  end
  local from
  if empty(range) then
    from = offset(range.start.line, 0)
  else
    from = offset(position.buf(bufnr, range['end'], enc))
  end
  local s = text:find(inserted, from + 1, true)
  if not s or (not empty(range) and s ~= from + 1) then
    return nil
  end
  local sr, sc = at(s - 1)
  local er, ec = at(s - 1 + #inserted)
  return sr, sc, er, ec
end

--- The range of a failed evaluation, as rows and byte columns: the server's range, or the
--- syntax error's character offset inside the evaluated code, or the evaluated code.
function M.error_range(bufnr, range, data, enc)
  if type(data) == 'table' and type(data.range) == 'table' then
    local sr, sc = position.buf(bufnr, data.range.start, enc)
    local er, ec = position.buf(bufnr, data.range['end'], enc)
    return sr, sc, er, ec
  end
  local sr, sc = position.buf(bufnr, range.start, enc)
  if empty(range) then
    sc = 0
  end
  local details = type(data) == 'table' and data.details or nil
  if type(details) == 'table' and type(details.offset) == 'number' then
    local text, at, offset = position.text(bufnr)
    -- Pharo counts characters; step over that many UTF-8 characters.
    local function char_len(at_byte)
      local b = text:byte(at_byte + 1)
      return not b and 0 or b < 0x80 and 1 or b < 0xE0 and 2 or b < 0xF0 and 3 or 4
    end
    local o = offset(sr, sc)
    for _ = 1, details.offset do
      if o >= #text then
        break
      end
      o = o + char_len(o)
    end
    local r, c = at(o)
    local _, e = at(o + char_len(o))
    return r, c, r, math.max(c, e)
  end
  local er, ec = position.buf(bufnr, range['end'], enc)
  if empty(range) then
    ec = #(vim.api.nvim_buf_get_lines(bufnr, er, er + 1, false)[1] or '')
  end
  return sr, sc, er, ec
end

local function show_result(bufnr, row, text)
  vim.api.nvim_buf_clear_namespace(bufnr, ns_result, 0, -1)
  vim.api.nvim_buf_set_extmark(bufnr, ns_result, row, 0, {
    virt_text = { { ' → ' .. text:gsub('\n', '⏎'), 'Comment' } },
    virt_text_pos = 'eol',
  })
end

--- The image's error types (bridge.ErrorType) that a message without data may name.
local error_types = { 'SyntaxError', 'EvaluationError', 'Interrupted', 'Timeout', 'Unavailable', 'SessionNotFound',
  'SessionExpired', 'ObjectNotFound', 'ClassNotFound', 'MethodNotFound', 'TooLarge', 'Unauthorized', 'InternalError' }

local function failed(bufnr, range, err, enc)
  local data = type(err.data) == 'table' and err.data or {}
  local kind, message = data.type, data.message
  -- Without data the message reads "STUI: Print it: SyntaxError: <message>".
  for _, t in ipairs(error_types) do
    local said = not kind and (err.message or ''):match('%f[%w]' .. t .. ': (.*)$')
    if said then
      kind, message = t, message or said
    end
  end
  kind = kind or 'Error'
  message = message or err.message or kind
  local sr, sc, er, ec = M.error_range(bufnr, range, data, enc)
  vim.diagnostic.set(M.ns_error, bufnr, {
    { lnum = sr, col = sc, end_lnum = er, end_col = ec, message = message, severity = vim.diagnostic.severity.ERROR, source = 'stui', code = kind },
  })
  M.last_error = { type = kind, message = message, stack = data.stack or (type(data.details) == 'table' and data.details.stack) or {} }
  stui.notify(kind .. ': ' .. message .. ' (:StuiStack shows the stack)', vim.log.levels.ERROR)
end

--- Runs the server command on the command's range; on_result(result, range, client) on success.
local function evaluate(command, opts, on_result)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = stui.client(bufnr)
  if not client then
    stui.notify('no stui-lsp for this buffer: open a .st file and call require("stui").setup()', vim.log.levels.ERROR)
    return
  end
  local enc = encoding(client)
  local range = position.command_range(bufnr, opts, vim.fn.visualmode(), enc)
  vim.diagnostic.reset(M.ns_error, bufnr)
  vim.api.nvim_buf_clear_namespace(bufnr, ns_result, 0, -1)
  -- Dim the code while the image works.
  local sr, sc, er, ec = M.error_range(bufnr, range, nil, enc)
  pcall(vim.api.nvim_buf_set_extmark, bufnr, ns_running, sr, sc, { end_row = er, end_col = ec, hl_group = 'Comment' })
  local uri = vim.uri_from_bufnr(bufnr)
  stui.request(client, 'workspace/executeCommand', { command = command, arguments = { { uri = uri, range = range } } }, function(err, result)
    if not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    vim.api.nvim_buf_clear_namespace(bufnr, ns_running, 0, -1)
    if err then
      failed(bufnr, range, err, enc)
      return
    end
    on_result(bufnr, result, range, client)
  end, bufnr)
end

function M.print_it(opts)
  evaluate('stui.printIt', opts, function(bufnr, result, range, client)
    -- The server inserted " <print string>" with workspace/applyEdit before answering.
    local sr, sc, er, ec = M.inserted(bufnr, range, result, encoding(client))
    if not sr then
      return
    end
    if bufnr == vim.api.nvim_get_current_buf() and vim.api.nvim_get_mode().mode == 'n' then
      -- Charwise Select mode on the answer: <BS> (or typing) replaces it, as in Pharo.
      vim.api.nvim_win_set_cursor(0, { sr + 1, sc })
      vim.cmd('normal! v')
      vim.api.nvim_win_set_cursor(0, { er + 1, math.max(ec - 1, 0) })
      vim.cmd('normal! \7')
    end
  end)
end

function M.do_it(opts)
  evaluate('stui.doIt', opts, function(bufnr, result, range)
    show_result(bufnr, range['end'].line, print_string(result) or 'done')
  end)
end

function M.inspect(opts)
  evaluate('stui.inspect', opts, function(bufnr, result, range)
    if type(result) ~= 'table' then
      return
    end
    show_result(bufnr, range['end'].line, print_string(result) or '')
    require('stui.inspector').open(bufnr, vim.uri_from_bufnr(bufnr), result)
  end)
end

local function session_command(command)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = stui.client(bufnr)
  if not client then
    stui.notify('no stui-lsp for this buffer', vim.log.levels.ERROR)
    return
  end
  stui.request(client, 'workspace/executeCommand', { command = command, arguments = { { uri = vim.uri_from_bufnr(bufnr) } } }, function(err)
    if err then
      stui.notify(err.message, vim.log.levels.ERROR)
    end
  end, bufnr)
end

function M.interrupt()
  session_command('stui.interrupt')
end

function M.restart_session()
  session_command('stui.restartSession')
end

--- Opens the stack of the last failed evaluation in a scratch split.
function M.stack()
  local e = M.last_error
  if not e then
    stui.notify('no failed evaluation yet')
    return
  end
  local lines = { e.type .. ': ' .. e.message }
  for _, f in ipairs(e.stack) do
    local where = f.description ~= '' and f.description or ((f.class_name or '?') .. '>>#' .. (f.selector or '?'))
    table.insert(lines, '  ' .. where .. (f.line and f.line > 0 and (' (line ' .. f.line .. ')') or ''))
  end
  if #e.stack == 0 then
    table.insert(lines, '(the image sent no stack)')
  end
  vim.cmd('new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
end

return M
