--- The inspector float: an object's class, print string and slots, one a line. <CR> on a
--- slot drills into it (request stui/inspect with its handle), <CR> on "… more" loads the
--- next page of indexed slots, <BS> goes back, q closes.
local stui = require('stui')

local M = {}

M.page_size = 100

--- The open inspector: { bufnr (the source buffer), uri, stack = { result... }, buf, win, lines = { [lnum] = slot | 'more' } }.
M.state = nil

local function value_line(label, v)
  local ps = (v.print_string or ''):gsub('\n', '⏎')
  return string.format('%s: %s%s', label, ps, v.truncated and ' …' or '')
end

--- The float's lines for an inspection, and what each line stands for.
function M.render(result)
  local lines = { string.format('%s  %s', result.class_name or '?', (result.print_string or ''):gsub('\n', '⏎')) }
  local targets = {}
  for _, slot in ipairs(result.named_slots or {}) do
    table.insert(lines, value_line(slot.name or '?', slot))
    targets[#lines] = slot
  end
  for i, slot in ipairs(result.indexed_slots or {}) do
    table.insert(lines, value_line('[' .. (slot.index or i) .. ']', slot))
    targets[#lines] = slot
  end
  local remaining = (result.indexed_size or 0) - #(result.indexed_slots or {})
  if remaining > 0 then
    table.insert(lines, string.format('… %d more', remaining))
    targets[#lines] = 'more'
  end
  return lines, targets
end

local function draw()
  local s = M.state
  local top = s.stack[#s.stack]
  local lines, targets = M.render(top)
  s.lines = targets
  vim.bo[s.buf].modifiable = true
  vim.api.nvim_buf_set_lines(s.buf, 0, -1, false, lines)
  vim.bo[s.buf].modifiable = false
  local width = 20
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  local config = {
    relative = 'editor',
    width = math.min(width + 2, math.max(20, vim.o.columns - 4)),
    height = math.min(#lines, math.max(3, vim.o.lines - 6)),
    row = 1,
    col = math.max(0, vim.o.columns - width - 4),
    style = 'minimal',
    border = 'single',
  }
  if s.win and vim.api.nvim_win_is_valid(s.win) then
    vim.api.nvim_win_set_config(s.win, config)
  else
    s.win = vim.api.nvim_open_win(s.buf, true, config)
  end
  vim.api.nvim_win_set_cursor(s.win, { math.min(2, #lines), 0 })
end

local function request(params, on_result)
  local s = M.state
  local client = stui.client(s.bufnr)
  if not client then
    stui.notify('the stui-lsp of this inspector has stopped', vim.log.levels.ERROR)
    return
  end
  stui.request(client, 'stui/inspect', params, function(err, result)
    if err then
      stui.notify('inspect: ' .. err.message, vim.log.levels.ERROR)
      return
    end
    on_result(result)
  end, s.bufnr)
end

--- <CR>: drill into the slot under the cursor, or load the next page.
function M.enter()
  local s = M.state
  local target = s and s.lines[vim.api.nvim_win_get_cursor(0)[1]]
  if not target then
    return
  end
  local top = s.stack[#s.stack]
  if target == 'more' then
    local loaded = #(top.indexed_slots or {})
    request({ uri = s.uri, handle = top.handle, offset = loaded, count = M.page_size }, function(page)
      top.indexed_slots = top.indexed_slots or {}
      vim.list_extend(top.indexed_slots, page.indexed_slots or {})
      top.indexed_size = page.indexed_size
      draw()
    end)
    return
  end
  if not target.handle or target.handle == '' then
    stui.notify(target.print_string .. ' has no handle to inspect')
    return
  end
  request({ uri = s.uri, handle = target.handle, offset = 0, count = M.page_size }, function(result)
    table.insert(s.stack, result)
    draw()
  end)
end

--- <BS>: back to the object this one was reached from.
function M.back()
  local s = M.state
  if s and #s.stack > 1 then
    table.remove(s.stack)
    draw()
  end
end

function M.close()
  local s = M.state
  if s and s.win and vim.api.nvim_win_is_valid(s.win) then
    vim.api.nvim_win_close(s.win, true)
  end
  M.state = nil
end

--- Opens the float on an inspection (the answer of stui.inspect) of uri's session.
function M.open(bufnr, uri, result)
  M.close()
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].filetype = 'stui-inspector'
  M.state = { bufnr = bufnr, uri = uri, stack = { result }, buf = buf, lines = {} }
  local map = function(lhs, fn)
    vim.keymap.set('n', lhs, fn, { buffer = buf, nowait = true, silent = true })
  end
  map('<CR>', M.enter)
  map('<BS>', M.back)
  map('q', M.close)
  draw()
end

return M
