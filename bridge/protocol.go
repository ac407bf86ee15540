package bridge

// This file is the Go encoding of STUI protocol v1. PROTOCOL.md, next to it, is the
// human-readable contract; the two are kept in step, and the vectors in
// testdata/protocol are checked against both (see protocol_test.go).

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ProtocolVersion is the version of the STUI protocol this package speaks.
const ProtocolVersion = 1

// DefaultMaxMessage is the default cap on the size of one message, in either direction.
const DefaultMaxMessage = 16 << 20

// Budget bounds what the image builds for an answer: print strings are cut at Bytes while
// they are built, collections are shown up to Elements items, nesting up to Depth levels.
type Budget struct {
	Bytes    int `json:"bytes"`
	Elements int `json:"elements"`
	Depth    int `json:"depth"`
}

// DefaultBudget is the budget used when the caller gives none.
var DefaultBudget = Budget{Bytes: 64 << 10, Elements: 100, Depth: 3}

// Request is the envelope of every request.
type Request struct {
	Version    int             `json:"version"`
	ID         string          `json:"id"`
	Command    Command         `json:"command"`
	SessionID  string          `json:"session_id,omitempty"`
	Token      string          `json:"token,omitempty"`
	DeadlineMS int64           `json:"deadline_ms"`
	Budget     *Budget         `json:"budget,omitempty"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// Status is a response's outcome.
type Status string

const (
	StatusSuccess Status = "success"
	StatusError   Status = "error"
)

// Response is the envelope of every response. ID equals the request's ID. Exactly one of
// Result (status success) and Error (status error) is set.
type Response struct {
	Version    int             `json:"version"`
	ID         string          `json:"id"`
	Status     Status          `json:"status"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      *Error          `json:"error,omitempty"`
	Timestamp  string          `json:"timestamp"`
	DurationMS float64         `json:"duration_ms"`
}

// ErrorType names a kind of failure. The set is closed: an image that answers another
// type is answered as InternalError by clients.
type ErrorType string

const (
	InvalidRequest  ErrorType = "InvalidRequest"
	UnknownCommand  ErrorType = "UnknownCommand"
	Unauthorized    ErrorType = "Unauthorized"
	SessionNotFound ErrorType = "SessionNotFound"
	SessionExpired  ErrorType = "SessionExpired"
	SyntaxError     ErrorType = "SyntaxError"
	EvaluationError ErrorType = "EvaluationError"
	Timeout         ErrorType = "Timeout"
	Interrupted     ErrorType = "Interrupted"
	ClassNotFound   ErrorType = "ClassNotFound"
	MethodNotFound  ErrorType = "MethodNotFound"
	ObjectNotFound  ErrorType = "ObjectNotFound"
	TooLarge        ErrorType = "TooLarge"
	InternalError   ErrorType = "InternalError"
	// Unavailable is never sent by an image: the client reports it when the image cannot
	// be reached (nothing listening, dial or reply past the deadline, connection lost).
	Unavailable ErrorType = "Unavailable"
)

// ErrorTypes lists every error type an image may answer.
var ErrorTypes = []ErrorType{
	InvalidRequest, UnknownCommand, Unauthorized, SessionNotFound, SessionExpired,
	SyntaxError, EvaluationError, Timeout, Interrupted, ClassNotFound, MethodNotFound,
	ObjectNotFound, TooLarge, InternalError,
}

// Error is the error object of a response, and the Go error the client returns for it.
// Details depends on Type: SyntaxErrorDetails, EvaluationErrorDetails, InterruptedDetails,
// or a free object.
type Error struct {
	Type    ErrorType       `json:"type"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details,omitempty"`

	cause error // what made the client answer Unavailable; never sent
}

// Unwrap answers the cause of an Unavailable error made by the client (for example
// context.DeadlineExceeded), or nil.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Type)
	}
	return string(e.Type) + ": " + e.Message
}

// Is makes errors.Is(err, &Error{Type: T}) match any *Error of type T.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type && (t.Message == "" || t.Message == e.Message)
}

// SyntaxErrorDetails locates a syntax error in the evaluated or compiled source. Line and
// Column are 1-based; Offset is the 0-based character offset into the source.
type SyntaxErrorDetails struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

// Frame is one frame of a Smalltalk stack, innermost first.
type Frame struct {
	Description string `json:"description"`
	ClassName   string `json:"class_name"`
	Selector    string `json:"selector"`
	Meta        bool   `json:"meta,omitempty"`
	Line        int    `json:"line,omitempty"`
}

// EvaluationErrorDetails describes an exception raised and not handled by evaluated code.
type EvaluationErrorDetails struct {
	ExceptionClass string  `json:"exception_class"`
	Stack          []Frame `json:"stack"`
	Transcript     string  `json:"transcript,omitempty"`
}

// InterruptedDetails is the details of an Interrupted error: the stack of the evaluation
// when it was stopped.
type InterruptedDetails struct {
	Stack      []Frame `json:"stack"`
	Transcript string  `json:"transcript,omitempty"`
}

// TimeoutDetails is the details of a Timeout error.
type TimeoutDetails struct {
	DeadlineMS int64   `json:"deadline_ms"`
	Stack      []Frame `json:"stack,omitempty"`
}

// TooLargeDetails is the details of a TooLarge error.
type TooLargeDetails struct {
	Size  int64 `json:"size"`
	Limit int64 `json:"limit"`
}

// Command names a STUI command.
type Command string

// The commands of protocol v1. Commands, below, describes each one.
const (
	Ping                 Command = "ping"
	Evaluate             Command = "evaluate"
	Inspect              Command = "inspect"
	CreateSession        Command = "create_session"
	RestoreSession       Command = "restore_session"
	UpdateSessionState   Command = "update_session_state"
	CloseSession         Command = "close_session"
	GetSessionInfo       Command = "get_session_info"
	ListClientSessions   Command = "list_client_sessions"
	GetSessionStatistics Command = "get_session_statistics"
	Interrupt            Command = "interrupt"
	GetVariable          Command = "get_variable"
	DescribeClass        Command = "describe_class"
	MethodSource         Command = "method_source"
	Implementors         Command = "implementors"
	Senders              Command = "senders"
	Complete             Command = "complete"
	Compile              Command = "compile"
	ListClasses          Command = "list_classes"
	ListSelectors        Command = "list_selectors"
	SystemInfo           Command = "system_info"
)

// CommandSpec describes a command: whether it needs a session, whether it may be retried
// after a connection error (it changes nothing in the image), and the Go types of its
// parameters and result.
type CommandSpec struct {
	Name         Command
	NeedsSession bool
	Idempotent   bool
	Params       func() any
	Result       func() any
}

func spec[P, R any](name Command, session, idempotent bool) CommandSpec {
	return CommandSpec{
		Name: name, NeedsSession: session, Idempotent: idempotent,
		Params: func() any { return new(P) }, Result: func() any { return new(R) },
	}
}

// Commands lists every command of protocol v1, in the order of PROTOCOL.md.
var Commands = []CommandSpec{
	spec[PingParams, PingResult](Ping, false, true),
	spec[EvaluateParams, EvaluateResult](Evaluate, true, false),
	spec[InspectParams, InspectResult](Inspect, true, false),
	spec[CreateSessionParams, SessionInfo](CreateSession, false, false),
	spec[RestoreSessionParams, RestoreSessionResult](RestoreSession, true, true),
	spec[UpdateSessionStateParams, SessionInfo](UpdateSessionState, true, false),
	spec[CloseSessionParams, CloseSessionResult](CloseSession, true, true),
	spec[GetSessionInfoParams, SessionInfo](GetSessionInfo, true, true),
	spec[ListClientSessionsParams, ListClientSessionsResult](ListClientSessions, false, true),
	spec[GetSessionStatisticsParams, SessionStatistics](GetSessionStatistics, true, true),
	spec[InterruptParams, InterruptResult](Interrupt, true, true),
	spec[GetVariableParams, Variable](GetVariable, true, true),
	spec[DescribeClassParams, ClassDescription](DescribeClass, false, true),
	spec[MethodSourceParams, MethodSourceResult](MethodSource, false, true),
	spec[ImplementorsParams, ImplementorsResult](Implementors, false, true),
	spec[SendersParams, SendersResult](Senders, false, true),
	spec[CompleteParams, CompleteResult](Complete, false, true),
	spec[CompileParams, CompileResult](Compile, false, false),
	spec[ListClassesParams, ListClassesResult](ListClasses, false, true),
	spec[ListSelectorsParams, ListSelectorsResult](ListSelectors, false, true),
	spec[SystemInfoParams, SystemInfoResult](SystemInfo, false, true),
}

// Lookup answers the spec of a command.
func Lookup(name Command) (CommandSpec, bool) {
	for _, c := range Commands {
		if c.Name == name {
			return c, true
		}
	}
	return CommandSpec{}, false
}

// ---- ping

type PingParams struct{}

type PingResult struct {
	Pong            bool   `json:"pong"`
	Server          string `json:"server"`
	ServerVersion   string `json:"server_version"`
	ProtocolVersion int    `json:"protocol_version"`
	PharoVersion    string `json:"pharo_version"`
	Transport       string `json:"transport"`
}

// ---- evaluate

// EvalMode is how evaluate treats the value of the code.
type EvalMode string

const (
	ModePrint EvalMode = "print" // answer the print string
	ModeDo    EvalMode = "do"    // run for effect; the print string is still answered
)

type EvaluateParams struct {
	Code string   `json:"code"`
	Mode EvalMode `json:"mode"`
	// Receiver, when set, is the handle of the object that self denotes in Code.
	Receiver string `json:"receiver,omitempty"`
}

// Value is an object as answered to the client: a print string built within the budget,
// its class, and a handle that names it in later inspect requests.
type Value struct {
	PrintString string `json:"print_string"`
	ClassName   string `json:"class_name"`
	Handle      string `json:"handle,omitempty"`
	Truncated   bool   `json:"truncated"`
}

type EvaluateResult struct {
	Value
	Transcript   string `json:"transcript"`
	HistoryIndex int    `json:"history_index"`
	// Variables lists the workspace variables the code defined for the first time.
	NewVariables []string `json:"new_variables,omitempty"`
}

// ---- inspect

type InspectParams struct {
	Handle     string `json:"handle,omitempty"`
	Expression string `json:"expression,omitempty"`
	Offset     int    `json:"offset"`
	Count      int    `json:"count"`
}

type Slot struct {
	Name  string `json:"name,omitempty"`
	Index int    `json:"index,omitempty"`
	Value
}

type InspectResult struct {
	Value
	NamedSlots   []Slot `json:"named_slots"`
	IndexedSlots []Slot `json:"indexed_slots"`
	IndexedSize  int    `json:"indexed_size"`
	Offset       int    `json:"offset"`
	Count        int    `json:"count"`
}

// ---- sessions

type CreateSessionParams struct {
	ClientID string `json:"client_id"`
	Name     string `json:"name,omitempty"`
	TTLS     int    `json:"ttl_s,omitempty"`
}

type SessionInfo struct {
	SessionID  string          `json:"session_id"`
	ClientID   string          `json:"client_id"`
	Name       string          `json:"name,omitempty"`
	CreatedAt  string          `json:"created_at"`
	LastUsedAt string          `json:"last_used_at"`
	TTLS       int             `json:"ttl_s"`
	Evaluating bool            `json:"evaluating"`
	Variables  []string        `json:"variables"`
	History    []HistoryEntry  `json:"history,omitempty"`
	State      json.RawMessage `json:"state,omitempty"`
}

type HistoryEntry struct {
	Index int    `json:"index"`
	Code  string `json:"code"`
	Value
}

type RestoreSessionParams struct{}

type Variable struct {
	Name string `json:"name"`
	Value
}

type RestoreSessionResult struct {
	SessionID string     `json:"session_id"`
	Variables []Variable `json:"variables"`
}

type UpdateSessionStateParams struct {
	// State is merged into the session's client state (a JSON object); a key set to null
	// is removed.
	State           json.RawMessage `json:"state,omitempty"`
	TTLS            int             `json:"ttl_s,omitempty"`
	RemoveVariables []string        `json:"remove_variables,omitempty"`
}

type CloseSessionParams struct{}

type CloseSessionResult struct {
	SessionID string `json:"session_id"`
	Closed    bool   `json:"closed"`
}

type GetSessionInfoParams struct{}

type ListClientSessionsParams struct {
	ClientID string `json:"client_id"`
}

type ListClientSessionsResult struct {
	Sessions []SessionInfo `json:"sessions"`
}

type GetSessionStatisticsParams struct{}

type SessionStatistics struct {
	SessionID      string  `json:"session_id"`
	Evaluations    int     `json:"evaluations"`
	Errors         int     `json:"errors"`
	Interrupts     int     `json:"interrupts"`
	Timeouts       int     `json:"timeouts"`
	TotalEvalMS    float64 `json:"total_eval_ms"`
	Handles        int     `json:"handles"`
	HandleCapacity int     `json:"handle_capacity"`
	Variables      int     `json:"variables"`
}

type InterruptParams struct{}

type InterruptResult struct {
	// Interrupted is false when nothing was running.
	Interrupted bool    `json:"interrupted"`
	Stack       []Frame `json:"stack"`
}

type GetVariableParams struct {
	Name string `json:"name"`
}

// ---- introspection for the language server

type DescribeClassParams struct {
	ClassName string `json:"class_name"`
}

type ClassDescription struct {
	Name                   string   `json:"name"`
	Kind                   string   `json:"kind"` // "class" or "trait"
	Superclass             string   `json:"superclass,omitempty"`
	SuperclassChain        []string `json:"superclass_chain"`
	Package                string   `json:"package"`
	Tag                    string   `json:"tag,omitempty"`
	Comment                string   `json:"comment"`
	InstanceVariables      []string `json:"instance_variables"`
	ClassVariables         []string `json:"class_variables"`
	ClassInstanceVariables []string `json:"class_instance_variables"`
	InstanceSelectors      []string `json:"instance_selectors"`
	ClassSelectors         []string `json:"class_selectors"`
}

type MethodSourceParams struct {
	ClassName string `json:"class_name"`
	Selector  string `json:"selector"`
	Meta      bool   `json:"meta"`
}

type MethodSourceResult struct {
	MethodRef
	Source string `json:"source"`
}

// MethodRef names one method in the image.
type MethodRef struct {
	ClassName     string   `json:"class_name"`
	Meta          bool     `json:"meta"`
	Selector      string   `json:"selector"`
	Category      string   `json:"category,omitempty"`
	Package       string   `json:"package,omitempty"`
	ArgumentNames []string `json:"argument_names,omitempty"`
}

type ImplementorsParams struct {
	Selector string `json:"selector"`
	Limit    int    `json:"limit"`
}

type ImplementorsResult struct {
	Selector     string      `json:"selector"`
	Implementors []MethodRef `json:"implementors"`
	Total        int         `json:"total"`
	Truncated    bool        `json:"truncated"`
}

type SendersParams struct {
	Selector string `json:"selector"`
	Limit    int    `json:"limit"`
}

type SendersResult struct {
	Selector  string      `json:"selector"`
	Senders   []MethodRef `json:"senders"`
	Total     int         `json:"total"`
	Truncated bool        `json:"truncated"`
}

type CompleteParams struct {
	Prefix string `json:"prefix"`
	// Kind is "any", "class", "selector" or "variable".
	Kind          string `json:"kind"`
	ReceiverClass string `json:"receiver_class,omitempty"`
	Meta          bool   `json:"meta,omitempty"`
	Limit         int    `json:"limit"`
}

type CompletionItem struct {
	Label  string `json:"label"`
	Kind   string `json:"kind"` // "class", "selector" or "variable"
	Detail string `json:"detail,omitempty"`
}

type CompleteResult struct {
	Items     []CompletionItem `json:"items"`
	Truncated bool             `json:"truncated"`
}

type CompileParams struct {
	ClassName string `json:"class_name"`
	Meta      bool   `json:"meta"`
	Source    string `json:"source"`
	Category  string `json:"category,omitempty"`
	// Install compiles and installs the method; otherwise the method is only checked.
	Install bool `json:"install"`
}

// CompileProblem is a compiler error or warning. Line and Column are 1-based; Offset and
// EndOffset are 0-based character offsets into the method source.
type CompileProblem struct {
	Severity  string `json:"severity"` // "error" or "warning"
	Message   string `json:"message"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	Offset    int    `json:"offset"`
	EndOffset int    `json:"end_offset"`
}

type CompileResult struct {
	Selector  string           `json:"selector"`
	OK        bool             `json:"ok"`
	Installed bool             `json:"installed"`
	Errors    []CompileProblem `json:"errors"`
	Warnings  []CompileProblem `json:"warnings"`
}

type ListClassesParams struct {
	Prefix  string `json:"prefix,omitempty"`
	Package string `json:"package,omitempty"`
	Offset  int    `json:"offset"`
	Limit   int    `json:"limit"`
	// IncludeClassSelectors adds each class's class-side selectors (for receiver-aware
	// completion on class literals).
	IncludeClassSelectors bool `json:"include_class_selectors,omitempty"`
}

type ClassSummary struct {
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	Superclass     string   `json:"superclass,omitempty"`
	Package        string   `json:"package"`
	ClassSelectors []string `json:"class_selectors,omitempty"`
}

type ListClassesResult struct {
	Classes []ClassSummary `json:"classes"`
	Total   int            `json:"total"`
	Offset  int            `json:"offset"`
}

type ListSelectorsParams struct {
	Prefix string `json:"prefix,omitempty"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
}

type ListSelectorsResult struct {
	Selectors []string `json:"selectors"`
	Total     int      `json:"total"`
	Offset    int      `json:"offset"`
}

type SystemInfoParams struct{}

type SystemInfoResult struct {
	PharoVersion    string  `json:"pharo_version"`
	ImagePath       string  `json:"image_path"`
	VMVersion       string  `json:"vm_version"`
	OS              string  `json:"os"`
	ServerVersion   string  `json:"server_version"`
	ProtocolVersion int     `json:"protocol_version"`
	Transport       string  `json:"transport"`
	ClassCount      int     `json:"class_count"`
	MethodCount     int     `json:"method_count"`
	Sessions        int     `json:"sessions"`
	UptimeS         float64 `json:"uptime_s"`
}

// Timestamp formats t as protocol timestamps are written: RFC 3339, UTC, milliseconds.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// ErrorOf answers err as a protocol *Error, or nil when err is not one.
func ErrorOf(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Errorf builds a protocol error of type t.
func Errorf(t ErrorType, format string, args ...any) *Error {
	return &Error{Type: t, Message: fmt.Sprintf(format, args...)}
}
