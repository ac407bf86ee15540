// The wire contract with stui-lsp, as TypeScript types. The Go side declares it once in
// lsp/command.go (commands, stui/inspect, stui/status) and bridge/protocol.go (the image's
// values); these types mirror it and must change with it. No `vscode` import here: the unit
// tests and the protocol-layer test load this module in plain Node.

/** workspace/executeCommand names of stui-lsp (lsp.Commands). */
export const ServerCommand = {
  printIt: 'stui.printIt',
  doIt: 'stui.doIt',
  inspect: 'stui.inspect',
  interrupt: 'stui.interrupt',
  restartSession: 'stui.restartSession',
} as const;
export type ServerCommand = (typeof ServerCommand)[keyof typeof ServerCommand];

/** Custom methods (lsp.MethodInspect, lsp.MethodStatus). */
export const Method = {
  inspect: 'stui/inspect',
  status: 'stui/status',
} as const;

/** An LSP position: zero-based line and UTF-16 code unit offset. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** The argument of every evaluation command. An empty range means the statement at range.start. */
export interface EvalArgs {
  uri: string;
  range: Range;
}

/** A value as the image answers it (bridge.Value). */
export interface Value {
  print_string: string;
  class_name: string;
  handle?: string;
  truncated?: boolean;
}

export interface Slot extends Value {
  name?: string;
  index?: number;
}

/** The answer of stui.inspect and stui/inspect (bridge.InspectResult). */
export interface InspectResult extends Value {
  named_slots: Slot[] | null;
  indexed_slots: Slot[] | null;
  indexed_size: number;
  offset: number;
  count: number;
}

/** The parameters of stui/inspect: a handle, or an expression, and a page of indexed slots. */
export interface InspectParams {
  uri: string;
  handle?: string;
  expression?: string;
  offset: number;
  count: number;
}

export type SessionState = 'connected' | 'disconnected' | 'evaluating';

/** The parameters of the stui/status notification. */
export interface StatusParams {
  folder: string;
  state: SessionState;
  pharoVersion?: string;
  reason?: string;
}

/** One frame of a Smalltalk stack, innermost first (bridge.Frame). */
export interface Frame {
  description: string;
  class_name?: string;
  selector?: string;
  meta?: boolean;
  line?: number;
}

/**
 * The data of the JSON-RPC error that answers a failed evaluation command (lsp.EvalErrorData,
 * documented in lsp/command.go). `type` is the image's error type (SyntaxError,
 * EvaluationError, Interrupted, Timeout, Unavailable...). `range` is the error's range in the
 * document: where a syntax error is, else the evaluated code. `stack` is the stack of an
 * EvaluationError, Interrupted or Timeout, innermost frame first; `exceptionClass` the class
 * of an EvaluationError's exception. `details` (the protocol error's details: 1-based line
 * and column, 0-based character offset, the stack) is read when a server sends no range.
 */
export interface EvalErrorData {
  type?: string;
  message?: string;
  range?: Range;
  details?: {
    line?: number;
    column?: number;
    offset?: number;
    exception_class?: string;
    stack?: Frame[];
  };
  stack?: Frame[];
  exceptionClass?: string;
}
