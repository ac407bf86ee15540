package check

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stui-dev/stui/lsp/smalltalk"
)

// API is what Pharo 12 and Pharo 13 both define: the intersection of their class and
// method lists (shared/pharo-api/pharo{12,13}-{classes,methods}.tsv).
type API struct {
	classes map[string]*Class
	// selectors holds every selector implemented somewhere in both versions.
	selectors map[string]bool
}

// Class is a class or trait known to the checker, from the API lists or from the checked
// directory.
type Class struct {
	Name          string
	Superclass    string // "" for traits; "nil" for ProtoObject
	Trait         bool
	InstVars      []string
	ClassVars     []string
	ClassInstVars []string
	Pools         []string
	Traits        []string // the traits used by the class, from its #traits composition
	ClassTraits   []string
	// Methods holds the selectors implemented on each side: [0] instance, [1] class.
	Methods [2]map[string]bool
}

// Class answers the class or trait named name, or nil.
func (a *API) Class(name string) *Class { return a.classes[name] }

// Implements reports whether some class of both versions implements selector.
func (a *API) Implements(selector string) bool { return a.selectors[selector] }

// FindAPI answers the directory of the API lists: flag if set, else $STUI_PHARO_API,
// else the first "shared/pharo-api" found walking up from start. It answers an error
// that says where it looked when there is none.
func FindAPI(flag, env, start string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if env != "" {
		return env, nil
	}
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		cand := filepath.Join(dir, "shared", "pharo-api")
		if _, err := os.Stat(filepath.Join(cand, "pharo12-classes.tsv")); err == nil {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("the Pharo API lists (shared/pharo-api/pharo12-classes.tsv and the others) were not found above %s; pass --api DIR or set STUI_PHARO_API", start)
		}
		dir = parent
	}
}

// LoadAPI reads the four lists in dir and answers their intersection.
func LoadAPI(dir string) (*API, error) {
	var versions [2]*API
	for i, v := range []string{"pharo12", "pharo13"} {
		a, err := loadVersion(dir, v)
		if err != nil {
			return nil, err
		}
		versions[i] = a
	}
	a, b := versions[0], versions[1]
	for name, c := range a.classes {
		d := b.classes[name]
		if d == nil {
			delete(a.classes, name)
			continue
		}
		for side := range c.Methods {
			for sel := range c.Methods[side] {
				if !d.Methods[side][sel] {
					delete(c.Methods[side], sel)
				}
			}
		}
		if c.Superclass != d.Superclass {
			// the hierarchy changed between versions: keep Pharo 13's, the newer
			c.Superclass = d.Superclass
		}
		c.InstVars = intersect(c.InstVars, d.InstVars)
		c.ClassVars = intersect(c.ClassVars, d.ClassVars)
		c.ClassInstVars = intersect(c.ClassInstVars, d.ClassInstVars)
	}
	for sel := range a.selectors {
		if !b.selectors[sel] {
			delete(a.selectors, sel)
		}
	}
	return a, nil
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

func loadVersion(dir, version string) (*API, error) {
	a := &API{classes: map[string]*Class{}, selectors: map[string]bool{}}
	classes, err := os.ReadFile(filepath.Join(dir, version+"-classes.tsv"))
	if err != nil {
		return nil, fmt.Errorf("reading the Pharo API lists: %w (pass --api DIR or set STUI_PHARO_API)", err)
	}
	err = eachRow(classes, 12, func(f [][]byte) {
		c := &Class{Name: string(f[1]), Superclass: string(f[2]), Trait: string(f[0]) == "trait",
			InstVars: list(f[5]), ClassVars: list(f[6]), ClassInstVars: list(f[7]),
			Traits: traitNames(string(f[8])), ClassTraits: traitNames(string(f[10])), Pools: list(f[11])}
		c.Methods = [2]map[string]bool{{}, {}}
		a.classes[c.Name] = c
	})
	if err != nil {
		return nil, fmt.Errorf("%s-classes.tsv: %w", version, err)
	}
	methods, err := os.ReadFile(filepath.Join(dir, version+"-methods.tsv"))
	if err != nil {
		return nil, fmt.Errorf("reading the Pharo API lists: %w (pass --api DIR or set STUI_PHARO_API)", err)
	}
	var last *Class
	err = eachRow(methods, 7, func(f [][]byte) {
		if last == nil || last.Name != string(f[0]) {
			last = a.classes[string(f[0])]
			if last == nil { // extension of a class not in the list
				last = &Class{Name: string(f[0]), Methods: [2]map[string]bool{{}, {}}}
				a.classes[last.Name] = last
			}
		}
		side := 0
		if string(f[1]) == "class" {
			side = 1
		}
		sel := string(f[2])
		last.Methods[side][sel] = true
		a.selectors[sel] = true
	})
	if err != nil {
		return nil, fmt.Errorf("%s-methods.tsv: %w", version, err)
	}
	return a, nil
}

// eachRow calls fn with the fields of each data row (the header skipped).
func eachRow(data []byte, columns int, fn func([][]byte)) error {
	fields := make([][]byte, 0, columns)
	first := true
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if first {
			first = false
			continue
		}
		if len(line) == 0 {
			continue
		}
		fields = fields[:0]
		for {
			j := bytes.IndexByte(line, '\t')
			if j < 0 {
				fields = append(fields, line)
				break
			}
			fields = append(fields, line[:j])
			line = line[j+1:]
		}
		if len(fields) < columns {
			return fmt.Errorf("a row has %d columns; want %d", len(fields), columns)
		}
		fn(fields)
	}
	return nil
}

func list(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	out := strings.Split(string(b), ",")
	for i, v := range out {
		out[i] = smalltalk.SlotName(v)
	}
	return out
}

// traitNames answers the trait names in a composition such as "TFoo + (TBar - {#baz})"
// or "TFoo classTrait".
func traitNames(composition string) []string {
	var out []string
	f := func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}
	for _, w := range strings.FieldsFunc(composition, f) {
		if w != "" && w[0] >= 'A' && w[0] <= 'Z' {
			out = append(out, w)
		}
	}
	return out
}
