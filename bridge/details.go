package bridge

import (
	"bytes"
	"encoding/json"
)

// NewDetails answers a pointer to a new value of the Go type of the details of errors of
// type t: *SyntaxErrorDetails, *EvaluationErrorDetails, *TimeoutDetails,
// *InterruptedDetails, *TooLargeDetails, or *map[string]any for the types whose details
// are a small or free object.
func NewDetails(t ErrorType) any {
	switch t {
	case SyntaxError:
		return new(SyntaxErrorDetails)
	case EvaluationError:
		return new(EvaluationErrorDetails)
	case Timeout:
		return new(TimeoutDetails)
	case Interrupted:
		return new(InterruptedDetails)
	case TooLarge:
		return new(TooLargeDetails)
	}
	return new(map[string]any)
}

// DecodeDetails decodes e's details into the Go type NewDetails gives for its type, and
// answers it (nil when the error has none).
func (e *Error) DecodeDetails() (any, error) {
	if len(e.Details) == 0 || bytes.Equal(e.Details, []byte("null")) {
		return nil, nil
	}
	d := NewDetails(e.Type)
	if err := json.Unmarshal(e.Details, d); err != nil {
		return nil, err
	}
	return d, nil
}
