package bridge_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/bridge/bridgetest"
)

// strict decodes data into v, refusing unknown fields and trailing data.
func strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return &json.SyntaxError{}
	}
	return nil
}

func generic(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func reencode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectorsRoundTrip decodes every vector through the Go types (envelope, typed
// parameters, typed result or error details), re-encodes it, and compares it with the file:
// anything the Go types do not carry is lost, and the test says where.
func TestVectorsRoundTrip(t *testing.T) {
	vs, err := bridgetest.LoadVectors(bridgetest.VectorDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Run(string(v.Command)+"/"+v.Case, func(t *testing.T) {
			var req bridge.Request
			if err := strict(v.Request, &req); err != nil {
				t.Fatalf("request: %v", err)
			}
			var resp bridge.Response
			if err := strict(v.Response, &resp); err != nil {
				t.Fatalf("response: %v", err)
			}
			if resp.ID != req.ID {
				t.Errorf("response id %q, want the request's %q", resp.ID, req.ID)
			}
			spec, known := bridge.Lookup(req.Command)
			switch {
			case !known:
				if resp.Error == nil || resp.Error.Type != bridge.UnknownCommand {
					t.Fatalf("request command %q is not a command, and the response is not UnknownCommand", req.Command)
				}
			case req.Command != v.Command:
				t.Fatalf("request command %q in the directory of %q", req.Command, v.Command)
			default:
				p := spec.Params()
				if len(req.Parameters) > 0 {
					if err := strict(req.Parameters, p); err != nil {
						t.Fatalf("parameters into %T: %v", p, err)
					}
					req.Parameters = reencode(t, p)
				}
			}
			if got, want := generic(t, reencode(t, req)), generic(t, v.Request); !reflect.DeepEqual(got, want) {
				t.Errorf("request does not round-trip:\n got %s\nwant %s", reencode(t, got), reencode(t, want))
			}

			switch resp.Status {
			case bridge.StatusSuccess:
				if resp.Error != nil || len(resp.Result) == 0 {
					t.Fatal("a success needs a result and no error")
				}
				r := spec.Result()
				if err := strict(resp.Result, r); err != nil {
					t.Fatalf("result into %T: %v", r, err)
				}
				resp.Result = reencode(t, r)
			case bridge.StatusError:
				if resp.Error == nil || len(resp.Result) != 0 {
					t.Fatal("an error needs an error and no result")
				}
				if !slices.Contains(bridge.ErrorTypes, resp.Error.Type) {
					t.Fatalf("error type %q is not in bridge.ErrorTypes", resp.Error.Type)
				}
				if !strings.HasPrefix(v.Case, "error") {
					t.Errorf("error response in case %q: error cases are named error-*", v.Case)
				}
				if len(resp.Error.Details) > 0 {
					d := bridge.NewDetails(resp.Error.Type)
					if err := strict(resp.Error.Details, d); err != nil {
						t.Fatalf("details into %T: %v", d, err)
					}
					resp.Error.Details = reencode(t, d)
				}
			default:
				t.Fatalf("status %q", resp.Status)
			}
			if got, want := generic(t, reencode(t, resp)), generic(t, v.Response); !reflect.DeepEqual(got, want) {
				t.Errorf("response does not round-trip:\n got %s\nwant %s", reencode(t, got), reencode(t, want))
			}
		})
	}
}

// TestVectorsCoverProtocol checks that every command has a success and an error vector,
// that every vector directory is a command, and that every error type appears.
func TestVectorsCoverProtocol(t *testing.T) {
	vs, err := bridgetest.LoadVectors(bridgetest.VectorDir())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[bridge.Command][]string{}
	types := map[bridge.ErrorType]bool{}
	for _, v := range vs {
		cases[v.Command] = append(cases[v.Command], v.Case)
		var resp bridge.Response
		if err := json.Unmarshal(v.Response, &resp); err == nil && resp.Error != nil {
			types[resp.Error.Type] = true
		}
	}
	for _, c := range bridge.Commands {
		cs := cases[c.Name]
		if !slices.Contains(cs, "success") {
			t.Errorf("%s has no success.json", c.Name)
		}
		if !slices.ContainsFunc(cs, func(s string) bool { return strings.HasPrefix(s, "error-") }) {
			t.Errorf("%s has no error-*.json", c.Name)
		}
		delete(cases, c.Name)
	}
	for dir := range cases {
		t.Errorf("testdata/protocol/%s is not a command of bridge.Commands", dir)
	}
	for _, et := range bridge.ErrorTypes {
		if !types[et] {
			t.Errorf("no vector answers %s", et)
		}
	}
	if types[bridge.Unavailable] {
		t.Errorf("a vector answers Unavailable, which only clients make")
	}
}

// TestStrictDecodingCatchesLoss makes sure the round trip can fail: a field the Go types
// do not know is refused.
func TestStrictDecodingCatchesLoss(t *testing.T) {
	var p bridge.EvaluateParams
	if err := strict([]byte(`{"code":"3 + 4","mode":"print","colour":"red"}`), &p); err == nil {
		t.Fatal("an unknown field decoded without error")
	}
}
