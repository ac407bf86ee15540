package lsp

// Command is a workspace/executeCommand command of stui-lsp. The list is declared once,
// here; editors/ bind their menu entries and keys to these names.
//
// Every evaluation command takes one argument, an EvalArgs: {"uri", "range"}. An empty
// range means the statement at the cursor (range.start).
//
//   - stui.printIt: evaluates and inserts " <print string>" after the selection with a
//     workspace/applyEdit (Pharo's habit); answers PrintItResult.
//   - stui.doIt: evaluates for effect and reports the result with window/showMessage;
//     answers the evaluation.
//   - stui.inspect: evaluates and answers an inspection (InspectResult); clients without a
//     tree view get it as a readable document through window/showDocument.
//   - stui.interrupt: {"uri"}: stops the running evaluation of the document's session.
//   - stui.restartSession: {"uri"}: closes the document's session and opens a new one.
//
// Custom requests and notifications:
//   - request stui/inspect {"uri", "handle"? , "expression"?, "offset", "count"} answers an
//     InspectResult (bridge.InspectResult): the tree view pages into handles with it.
//   - notification stui/status (server to client) {"folder", "state":
//     "connected"|"disconnected"|"evaluating", "pharoVersion", "reason"}, sent when a
//     folder session's state changes.
type Command string

const (
	CmdPrintIt        Command = "stui.printIt"
	CmdDoIt           Command = "stui.doIt"
	CmdInspect        Command = "stui.inspect"
	CmdInterrupt      Command = "stui.interrupt"
	CmdRestartSession Command = "stui.restartSession"
)

// Commands lists the commands stui-lsp advertises in executeCommandProvider.
var Commands = []Command{CmdPrintIt, CmdDoIt, CmdInspect, CmdInterrupt, CmdRestartSession}

// Custom LSP methods.
const (
	MethodInspect = "stui/inspect"
	MethodStatus  = "stui/status"
)
