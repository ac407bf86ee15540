-- STUI's commands. The server starts with require('stui').setup() (or, on Neovim 0.11+,
-- vim.lsp.enable('stui')); these commands work in any `st` buffer it is attached to.
if vim.g.loaded_stui then
  return
end
vim.g.loaded_stui = true

local function command(name, fn, desc, range)
  vim.api.nvim_create_user_command(name, function(opts)
    require('stui.eval')[fn](opts)
  end, { range = range, desc = desc })
end

command('StuiPrintIt', 'print_it', 'STUI: evaluate the selection or statement and insert its print string', true)
command('StuiDoIt', 'do_it', 'STUI: evaluate the selection or statement for effect', true)
command('StuiInspect', 'inspect', 'STUI: evaluate and inspect the selection or statement', true)
command('StuiInterrupt', 'interrupt', "STUI: interrupt the buffer's session", false)
command('StuiRestartSession', 'restart_session', "STUI: close the buffer's session and open a new one", false)
command('StuiStack', 'stack', 'STUI: show the stack of the last failed evaluation', false)
