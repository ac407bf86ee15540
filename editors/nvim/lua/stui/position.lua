--- Positions: LSP counts UTF-16 code units (or the client's offset encoding), Neovim bytes.
--- Every conversion between the two goes through this module.
local M = {}

-- Neovim 0.11 changed vim.str_utfindex and vim.str_byteindex to take the encoding; the old
-- forms are deprecated there.
local new_api = vim.fn.has('nvim-0.11') == 1

local function line_text(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
end

--- The LSP character of byte column col (0-based) of line.
function M.character(line, col, encoding)
  col = math.min(col, #line)
  if encoding == 'utf-8' then
    return col
  end
  if new_api then
    return vim.str_utfindex(line, encoding, col, false)
  end
  local utf32, utf16 = vim.str_utfindex(line, col)
  return encoding == 'utf-32' and utf32 or utf16
end

--- The byte column (0-based) of LSP character of line.
function M.col(line, character, encoding)
  if encoding == 'utf-8' then
    return math.min(character, #line)
  end
  local ok, col
  if new_api then
    ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
  else
    ok, col = pcall(vim.str_byteindex, line, character, encoding ~= 'utf-32')
  end
  return ok and col or #line
end

--- The LSP position of (row, col), 0-based row and byte column, in bufnr.
function M.lsp(bufnr, row, col, encoding)
  return { line = row, character = M.character(line_text(bufnr, row), col, encoding) }
end

--- The 0-based row and byte column of an LSP position in bufnr.
function M.buf(bufnr, pos, encoding)
  return pos.line, M.col(line_text(bufnr, pos.line), pos.character, encoding)
end

--- The byte length of the UTF-8 character starting at byte col (0-based) of line.
local function char_len(line, col)
  local b = line:byte(col + 1)
  if not b then
    return 0
  elseif b < 0x80 then
    return 1
  elseif b < 0xE0 then
    return 2
  elseif b < 0xF0 then
    return 3
  end
  return 4
end

--- The LSP range a command runs on. line1/line2 (1-based) and the '< '> marks give it when
--- the command got a range; visual is visualmode(): 'v' is charwise, 'V' whole lines. With
--- no range the range is empty at the cursor (the server takes the statement there).
function M.command_range(bufnr, opts, visual, encoding)
  if not opts.range or opts.range == 0 then
    local cursor = vim.api.nvim_win_get_cursor(0)
    local p = M.lsp(bufnr, cursor[1] - 1, cursor[2], encoding)
    return { start = p, ['end'] = p }
  end
  local s = vim.api.nvim_buf_get_mark(bufnr, '<')
  local e = vim.api.nvim_buf_get_mark(bufnr, '>')
  if visual == 'v' and s[1] == opts.line1 and e[1] == opts.line2 then
    local last = line_text(bufnr, e[1] - 1)
    local end_col = math.min(e[2], #last)
    end_col = end_col + char_len(last, end_col)
    return { start = M.lsp(bufnr, s[1] - 1, s[2], encoding), ['end'] = M.lsp(bufnr, e[1] - 1, end_col, encoding) }
  end
  local last = line_text(bufnr, opts.line2 - 1)
  return {
    start = { line = opts.line1 - 1, character = 0 },
    ['end'] = { line = opts.line2 - 1, character = M.character(last, #last, encoding) },
  }
end

--- The buffer's text and a function from byte offsets in it to (row, col).
function M.text(bufnr)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local text = table.concat(lines, '\n')
  local function at(offset)
    local row, start = 0, 0
    for i, l in ipairs(lines) do
      if offset <= start + #l or i == #lines then
        return row, math.min(offset - start, #l)
      end
      row, start = row + 1, start + #l + 1
    end
    return 0, 0
  end
  local function offset(row, col)
    local o = 0
    for i = 1, row do
      o = o + #(lines[i] or '') + 1
    end
    return o + col
  end
  return text, at, offset
end

return M
