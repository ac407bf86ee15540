package lsp

// Command is a workspace/executeCommand command of stui-lsp. The list is declared once,
// here; editors/ bind their menu entries and keys to these names.
//
// Every evaluation command takes one argument, an EvalArgs: {"uri", "range"}. An empty
// range means the statement at the cursor (range.start).
//
//   - stui.printIt: evaluates and inserts " <print string>" after the selection with a
//     workspace/applyEdit (Pharo's habit); answers PrintItResult: the evaluation
//     (bridge.EvaluateResult, flattened: "print_string", "class_name", "transcript",
//     "history_index", ...) plus
//     "inserted", the text inserted (" " and the print string), "range", the empty
//     range of the insertion point (the end of the evaluated code, in the version of
//     the document that was evaluated), and "applied", whether the client applied the
//     edit (if not, the value is shown with window/showMessage).
//   - stui.doIt: evaluates for effect and reports the result with window/showMessage;
//     answers the evaluation.
//   - stui.inspect: evaluates and answers an inspection (InspectResult); clients without a
//     tree view get it as a readable document through window/showDocument (a read-only
//     text file in a temporary directory). A client with its own tree view says so in
//     initialize: capabilities.experimental = {"stui": {"inspector": true}}.
//   - stui.interrupt: {"uri"} or {"folder"}: stops the running evaluation of the
//     document's (or folder's) session; answers bridge.InterruptResult. The document need
//     not be open; "folder" is a folder path or file: URI as in stui/status ("" is the
//     default session). An evaluation command of that folder that the server read
//     before the interrupt is stopped even when it has not reached the image yet: the
//     server sends interrupt again, with back-off, until the image stops it (answering
//     {"interrupted": true}; the evaluation then fails with an Interrupted error) or it
//     ends, within deadlines.request; past that it cancels the evaluation (which then
//     answers RequestCancelled). With no evaluation in flight it sends interrupt once.
//   - stui.restartSession: {"uri"} or {"folder"}: closes the session and opens a new one;
//     answers RestartResult {"sessionId"}.
//
// The evaluation commands are offered as code actions of kind "source.stui.evaluate"
// (Print it, Do it, Inspect it) on the selection or the cursor. Evaluations report
// $/progress (cancellable) to clients that support it; cancelling the request or the
// progress sends interrupt to the image and answers RequestCancelled.
//
// An evaluation command that the image fails (or that cannot reach it) answers a
// JSON-RPC error with code RequestFailed (-32803), the message "STUI: <title>: <type>:
// <message>" and data EvalErrorData, {"type", "message", "range", "stack",
// "exceptionClass"}:
//
//   - type: the protocol error's type (bridge.ErrorType): SyntaxError, EvaluationError,
//     Timeout, Interrupted, Unavailable, SessionExpired, TooLarge, ...
//   - message: the image's message, without the type.
//   - range: an LSP range in the document, in the version that was evaluated. For a
//     SyntaxError, where the error is: its details' "offset" (0-based, in characters of
//     the evaluated code) moved into the document, covering the identifier or keyword
//     that starts there, or one character, or empty at the end of the code or of a line.
//     For any other error, or a SyntaxError without an offset, the whole evaluated
//     range (the selection, or the statement at the cursor).
//   - stack: the frames (bridge.Frame, innermost first, as the image sent them) of an
//     EvaluationError, Interrupted or Timeout; absent when the image sent none.
//   - exceptionClass: the class of the exception of an EvaluationError; absent otherwise.
//
// A cancelled evaluation answers RequestCancelled without data; invalid arguments answer
// InvalidParams without data.
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
