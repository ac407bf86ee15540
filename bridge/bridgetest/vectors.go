package bridgetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/stui-dev/stui/bridge"
)

// A Vector is one case of testdata/protocol: a request and the response a STUI server
// answers to it.
type Vector struct {
	Command     bridge.Command  `json:"-"` // the directory: the command the case is about
	Case        string          `json:"-"` // the file name without .json: "success", "error-syntax"
	Path        string          `json:"-"` // the file
	Description string          `json:"description"`
	Request     json.RawMessage `json:"request"`
	Response    json.RawMessage `json:"response"`
}

// VectorDir answers the directory of the protocol vectors, testdata/protocol at the root
// of the module.
func VectorDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "protocol")
}

// LoadVectors reads every vector under dir, sorted by command and case. A file that is
// not a vector (bad JSON, unknown fields, missing request or response) is an error.
func LoadVectors(dir string) ([]Vector, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("bridgetest: no vectors under %s", dir)
	}
	sort.Strings(files)
	var vs []Vector
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		v := Vector{
			Command: bridge.Command(filepath.Base(filepath.Dir(f))),
			Case:    strings.TrimSuffix(filepath.Base(f), ".json"),
			Path:    f,
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if len(v.Request) == 0 || len(v.Response) == 0 || v.Description == "" {
			return nil, fmt.Errorf("%s: a vector needs description, request and response", f)
		}
		vs = append(vs, v)
	}
	return vs, nil
}
