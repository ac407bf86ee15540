-- Headless end-to-end test of the STUI plugin and Neovim's own LSP client against the built
-- stui-lsp and the fake image. editors/e2e_test.go runs one case a process:
--   STUI_CASE=<case> nvim --headless -u NONE -i NONE -n -c 'luafile editors/nvim/test/e2e.lua'
-- with STUI_LSP, STUI_ENDPOINT, STUI_TOKEN_FILE, STUI_WORKSPACE and STUI_NVIM_DIR set.
-- It prints "ok - <case>" and exits 0, or "not ok - <case>: <why>" and exits 1.
local env = os.getenv
local case = env('STUI_CASE') or '?'
local deadline = 20000

local function finish(ok, msg)
  if ok then
    io.stdout:write('ok - ' .. case .. '\n')
    vim.cmd('qall!')
  else
    io.stdout:write('not ok - ' .. case .. ': ' .. tostring(msg) .. '\n')
    io.stdout:write('messages:\n' .. vim.fn.execute('messages') .. '\n')
    vim.cmd('cquit 1')
  end
end

local function check(cond, msg)
  if not cond then
    error(msg, 2)
  end
end

--- Waits for pred() with a deadline; fails the case with what it waited for.
local function wait(what, pred, ms)
  if not vim.wait(ms or deadline, pred, 10) then
    error('timed out waiting for ' .. what, 2)
  end
end

vim.opt.runtimepath:prepend(env('STUI_NVIM_DIR'))
vim.cmd('filetype on')
vim.cmd('runtime plugin/stui.lua')
local stui = require('stui')

local function setup()
  stui.setup({
    cmd = { env('STUI_LSP') },
    settings = { stui = { endpoint = env('STUI_ENDPOINT'), tokenFile = env('STUI_TOKEN_FILE') } },
  })
end

--- Writes name in the workspace, edits it and waits for stui-lsp to attach.
local function open(name, text)
  local path = env('STUI_WORKSPACE') .. '/' .. name
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  check(vim.bo[buf].filetype == 'st', 'filetype of ' .. name .. ' is ' .. vim.bo[buf].filetype)
  wait('stui-lsp to attach', function()
    local c = stui.client(buf)
    return c ~= nil and c.initialized == true and not c:is_stopped()
  end)
  return buf, stui.client(buf)
end

local function line(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1]
end

local function floats()
  local wins = {}
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      table.insert(wins, w)
    end
  end
  return wins
end

local cases = {}

function cases.print_it()
  setup()
  local buf = open('print.st', '3 + 4')
  -- Print it on the selection made by select_keys: the answer follows the code, in
  -- Select mode, and one Backspace removes it.
  local function print_it_then_backspace(select_keys)
    vim.cmd('normal! ' .. select_keys .. '\27')
    vim.cmd("'<,'>StuiPrintIt")
    wait('the print string after the selection', function()
      return line(buf) == '3 + 4 7'
    end)
    wait('Select mode on the answer', function()
      return vim.api.nvim_get_mode().mode == 's'
    end)
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<BS>', true, false, true), 'x', false)
    check(line(buf) == '3 + 4', 'one Backspace left "' .. line(buf) .. '"')
  end
  print_it_then_backspace('0vg_')
  -- The same after a linewise selection: the answer, not the line, is selected.
  print_it_then_backspace('V')
end

function cases.do_it()
  setup()
  -- The fake image answers this Do it (testdata/protocol/evaluate/success-do.json).
  local buf = open('do.st', "Transcript show: 'hello'; cr")
  vim.cmd('StuiDoIt')
  local ns = vim.api.nvim_create_namespace('stui.result')
  local text
  wait('the result as virtual text', function()
    for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
      text = m[4].virt_text and m[4].virt_text[1][1]
    end
    return text ~= nil
  end)
  check(text == ' → a ThreadSafeTranscript', 'virtual text is "' .. text .. '"')
  check(line(buf) == "Transcript show: 'hello'; cr", 'Do it changed the buffer: ' .. line(buf))
end

function cases.inspect()
  setup()
  open('inspect.st', 'OrderedCollection new add: 10; yourself')
  vim.cmd('StuiInspect')
  wait('the inspector float', function()
    return #floats() == 1
  end)
  local win = floats()[1]
  local fbuf = vim.api.nvim_win_get_buf(win)
  local lines = table.concat(vim.api.nvim_buf_get_lines(fbuf, 0, -1, false), '\n')
  check(lines:find('OrderedCollection', 1, true), 'no class in:\n' .. lines)
  check(lines:find('\narray: ', 1, true) and lines:find('\n[1]: 10', 1, true), 'no slots in:\n' .. lines)
  check(vim.api.nvim_get_current_win() == win, 'the float has the focus')
  local inspector = require('stui.inspector')
  -- <CR> on the "array" slot drills into its handle; <BS> comes back.
  vim.fn.search('^array: ')
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<CR>', true, false, true), 'x', false)
  wait('the drilled-in object', function()
    return inspector.state and #inspector.state.stack == 2
  end)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<BS>', true, false, true), 'x', false)
  check(#inspector.state.stack == 1, '<BS> did not go back')
  vim.api.nvim_feedkeys('q', 'x', false)
  check(#floats() == 0, 'q did not close the float')
end

function cases.syntax_error()
  setup()
  local buf = open('syntax.st', '3 +')
  vim.cmd('normal! 0vg_\27')
  vim.cmd("'<,'>StuiPrintIt")
  local ns = require('stui.eval').ns_error
  wait('the evaluation error as a diagnostic', function()
    return #vim.diagnostic.get(buf, { namespace = ns }) > 0
  end)
  local d = vim.diagnostic.get(buf, { namespace = ns })[1]
  check(d.severity == vim.diagnostic.severity.ERROR, 'severity ' .. tostring(d.severity))
  check(d.message:find('expected', 1, true), 'message: ' .. d.message)
  -- The server's range: the error is just past the operator.
  check(d.lnum == 0 and d.col == 3, 'at line ' .. d.lnum .. ', column ' .. d.col .. ', want 0, 3')
  check(line(buf) == '3 +', 'Print it inserted something: ' .. line(buf))
end

function cases.interrupt()
  setup()
  -- testdata/protocol/evaluate/error-interrupted.json: runs until interrupted.
  local buf = open('loop.st', '[true] whileTrue')
  vim.cmd('StuiDoIt')
  wait('stui/status evaluating', function()
    for _, s in pairs(stui.status) do
      if s.state == 'evaluating' then
        return true
      end
    end
  end)
  check(stui.statusline() == 'Pharo evaluating', 'statusline ' .. stui.statusline())
  local ns = require('stui.eval').ns_error
  local function failed()
    return #vim.diagnostic.get(buf, { namespace = ns }) > 0
  end
  -- stui-lsp stops an evaluation it read before the interrupt even when the image has not
  -- started it yet: one interrupt is enough.
  vim.cmd('StuiInterrupt')
  wait('the interrupted evaluation to fail', failed)
  local d = vim.diagnostic.get(buf, { namespace = ns })[1]
  check(d.code == 'Interrupted', 'code ' .. tostring(d.code) .. ': ' .. d.message)
  vim.cmd('StuiStack')
  local stack = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  check(stack:find('^Interrupted: ') and stack:find('DoIt', 1, true), ':StuiStack shows ' .. stack)
end

function cases.server_diagnostics()
  setup()
  local buf = open('broken.st', 'Object subclass: #Foo [\n  foo [ ^ 3 + ]\n')
  wait('a syntax diagnostic published by stui-lsp', function()
    return #vim.diagnostic.get(buf) > 0
  end)
end

-- Issue 5: Neovim's own client, no plugin commands: hover, then the Print it code action.
function cases.hover_code_action()
  setup()
  local buf, client = open('hover.st', 'OrderedCollection new.\n3 + 4')
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 0, character = 3 },
  }, deadline)
  local contents
  for _, r in pairs(hover or {}) do
    contents = r.result and r.result.contents
  end
  check(contents, 'no hover: ' .. vim.inspect(hover))
  local text = type(contents) == 'table' and (contents.value or vim.inspect(contents)) or tostring(contents)
  check(text:find('OrderedCollection', 1, true), 'hover says: ' .. text)

  local range = { start = { line = 1, character = 0 }, ['end'] = { line = 1, character = 5 } }
  local answers = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = range,
    context = { diagnostics = {} },
  }, deadline)
  local action
  for _, r in pairs(answers or {}) do
    for _, a in ipairs(r.result or {}) do
      if a.title == 'Print it' then
        action = a
      end
    end
  end
  check(action and action.command, 'no Print it action: ' .. vim.inspect(answers))
  -- What vim.lsp.buf.code_action does with a command action.
  stui.request(client, 'workspace/executeCommand', action.command, function() end, buf)
  wait('the print string from the code action', function()
    return vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1] == '3 + 4 7'
  end)
end

-- Byte columns and UTF-16 characters on non-ASCII lines, without a server.
function cases.positions()
  local position = require('stui.position')
  local eval = require('stui.eval')
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "x := 'é😀' size.", 'Ελλάδα printString 7' })
  -- Charwise selection of "'é😀' size" (bytes 5..17 of line 1): UTF-16 5..15.
  vim.api.nvim_win_set_cursor(0, { 1, 5 })
  vim.cmd('normal! v8l\27')
  local r = position.command_range(buf, { range = 2, line1 = 1, line2 = 1 }, 'v', 'utf-16')
  check(vim.deep_equal(r, { start = { line = 0, character = 5 }, ['end'] = { line = 0, character = 15 } }), vim.inspect(r))
  local r8 = position.command_range(buf, { range = 2, line1 = 1, line2 = 1 }, 'v', 'utf-8')
  check(r8['end'].character == 18, 'utf-8 end ' .. r8['end'].character)
  -- Linewise: whole lines, the end in UTF-16.
  local rl = position.command_range(buf, { range = 2, line1 = 2, line2 = 2 }, 'V', 'utf-16')
  check(vim.deep_equal(rl, { start = { line = 1, character = 0 }, ['end'] = { line = 1, character = 20 } }), vim.inspect(rl))
  -- No range: empty at the cursor.
  vim.api.nvim_win_set_cursor(0, { 2, 13 })
  local re = position.command_range(buf, { range = 0 }, '', 'utf-16')
  check(vim.deep_equal(re.start, re['end']) and re.start.character == 7, vim.inspect(re))
  -- Print it's insertion after "Ελλάδα printString" (UTF-16 0..18, bytes 0..24), found with the server's
  -- answer and without it.
  local sel = { start = { line = 1, character = 0 }, ['end'] = { line = 1, character = 18 } }
  local a = { eval.inserted(buf, sel, { print_string = '7', inserted = ' 7', range = { start = sel['end'], ['end'] = sel['end'] } }, 'utf-16') }
  check(vim.deep_equal(a, { 1, 24, 1, 26 }), 'with range ' .. vim.inspect(a))
  local b = { eval.inserted(buf, sel, { print_string = '7' }, 'utf-16') }
  check(vim.deep_equal(b, { 1, 24, 1, 26 }), 'without range ' .. vim.inspect(b))
  -- A syntax error at character 7 of the evaluated code (Pharo counts characters): the
  -- "😀" of line 1, bytes 8..12.
  local c = { eval.error_range(buf, { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 16 } }, { details = { offset = 7 } }, 'utf-16') }
  check(vim.deep_equal(c, { 0, 8, 0, 12 }), 'error at ' .. vim.inspect(c))
end

-- The settings table of lsp/stui.lua, for e2e_test.go to compare with lsp.Options.
function cases.settings()
  local files = vim.api.nvim_get_runtime_file('lsp/stui.lua', false)
  check(#files == 1, 'lsp/stui.lua on runtimepath: ' .. #files)
  local config = dofile(files[1])
  check(vim.deep_equal(config.filetypes, { 'st' }), 'filetypes ' .. vim.inspect(config.filetypes))
  io.stdout:write('settings=' .. vim.fn.json_encode(config.settings.stui) .. '\n')
end

local ok, err = pcall(function()
  local run = cases[case]
  check(run, 'no case ' .. case)
  run()
end)
finish(ok, err)
