package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"unicode"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/bridge"
)

// EvalErrorData is the data of the JSON-RPC error (RequestFailed) that answers an
// evaluation command the image failed, or could not be reached for; command.go
// describes the fields.
type EvalErrorData struct {
	Type           bridge.ErrorType `json:"type"`
	Message        string           `json:"message"`
	Range          protocol.Range   `json:"range"`
	Stack          []bridge.Frame   `json:"stack,omitempty"`
	ExceptionClass string           `json:"exceptionClass,omitempty"`
}

// evalSpan is code to evaluate and where it came from: a version of a document and the
// byte range of the code in it.
type evalSpan struct {
	d          *document
	code       string
	start, end int
}

// evalError answers the reply of an evaluation that failed with err: for an error of the
// protocol, liveError's message with EvalErrorData; otherwise what liveError answers.
func evalError(title string, sp evalSpan, err error) error {
	reply := liveError(title, err)
	e := bridge.ErrorOf(err)
	var w *jsonrpc2.Error
	if e == nil || errors.Is(err, context.Canceled) || !errors.As(reply, &w) {
		return reply
	}
	data := EvalErrorData{Type: e.Type, Message: e.Message, Range: sp.lspRange(sp.start, sp.end)}
	switch e.Type {
	case bridge.SyntaxError:
		var d struct {
			Offset *int `json:"offset"`
		}
		if json.Unmarshal(e.Details, &d) == nil && d.Offset != nil {
			data.Range = sp.syntaxRange(*d.Offset)
		}
	case bridge.EvaluationError, bridge.Interrupted, bridge.Timeout:
		// The three detail types share "stack"; EvaluationError's also names the class.
		var d struct {
			ExceptionClass string         `json:"exception_class"`
			Stack          []bridge.Frame `json:"stack"`
		}
		if json.Unmarshal(e.Details, &d) == nil {
			data.Stack = d.Stack
			if e.Type == bridge.EvaluationError {
				data.ExceptionClass = d.ExceptionClass
			}
		}
	}
	raw, merr := json.Marshal(data)
	if merr != nil {
		return reply
	}
	msg := json.RawMessage(raw)
	return &jsonrpc2.Error{Code: w.Code, Message: w.Message, Data: &msg}
}

// lspRange answers the LSP range of the byte range [start, end) of the span's document.
func (sp evalSpan) lspRange(start, end int) protocol.Range {
	r, _ := sp.d.Mapper.Range(start, end)
	return fromRange(r)
}

// syntaxRange answers where a syntax error at offset lies in the document: offset counts
// characters (Unicode code points, as Pharo does) from the start of the evaluated code.
// The range covers the identifier or keyword starting there, or one character; it is
// empty at the end of the code or of a line (the image expected more there).
func (sp evalSpan) syntaxRange(offset int) protocol.Range {
	code := sp.code
	b := 0
	for n := 0; n < offset && b < len(code); n++ {
		_, size := utf8.DecodeRuneInString(code[b:])
		b += size
	}
	at, end := sp.start+b, sp.start+b
	if b < len(code) {
		r, size := utf8.DecodeRuneInString(code[b:])
		switch {
		case r == '\n' || r == '\r':
		case isWordRune(r):
			for rest := code[b:]; rest != ""; {
				r, size := utf8.DecodeRuneInString(rest)
				if !isWordRune(r) {
					break
				}
				end += size
				rest = rest[size:]
			}
		default:
			end += size
		}
	}
	return sp.lspRange(at, end)
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
