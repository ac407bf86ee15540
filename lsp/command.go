package lsp

// Command is a workspace/executeCommand command of stui-lsp. The list is declared once,
// here; editors/ bind their menu entries and keys to these names.
//
// Every evaluation command takes one argument, an EvalArgs: {"uri", "range"}. An empty
// range means the statement at the cursor (range.start).
//
//   - stui.printIt: evaluates and inserts " <print string>" after the selection with a
//     workspace/applyEdit (Pharo's habit); answers PrintItResult: the evaluation
//     (bridge.EvaluateResult, flattened) plus "inserted", "range" (where it went) and
//     "applied" (whether the client applied the edit; if not, the value is shown with
//     window/showMessage).
//   - stui.doIt: evaluates for effect and reports the result with window/showMessage;
//     answers the evaluation.
//   - stui.inspect: evaluates and answers an inspection (InspectResult); clients without a
//     tree view get it as a readable document through window/showDocument (a read-only
//     text file in a temporary directory). A client with its own tree view says so in
//     initialize: capabilities.experimental = {"stui": {"inspector": true}}.
//   - stui.interrupt: {"uri"} or {"folder"}: stops the running evaluation of the
//     document's (or folder's) session; answers bridge.InterruptResult. The document need
//     not be open; "folder" is a folder path or file: URI as in stui/status ("" is the
//     default session).
//   - stui.restartSession: {"uri"} or {"folder"}: closes the session and opens a new one;
//     answers RestartResult {"sessionId"}.
//
// The evaluation commands are offered as code actions of kind "source.stui.evaluate"
// (Print it, Do it, Inspect it) on the selection or the cursor. Evaluations report
// $/progress (cancellable) to clients that support it; cancelling the request or the
// progress sends interrupt to the image and answers RequestCancelled.
//
// Definitions and references of classes and methods that live only in the image point
// to read-only files written to a temporary directory (file: URIs: every client opens
// them); those defined in the workspace point into its Tonel files.
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
