package check

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadTestAPI(t testing.TB) *API {
	t.Helper()
	api, err := LoadAPI("testdata/api")
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func TestLoadAPIIntersects(t *testing.T) {
	api := loadTestAPI(t)
	if api.Class("OnlyIn12") != nil {
		t.Errorf("OnlyIn12 is only in Pharo 12's list; want it left out")
	}
	if api.Implements("onlyIn13") {
		t.Errorf("onlyIn13 is only in Pharo 13's list; want it left out")
	}
	if !api.Implements("add:") || api.Class("OrderedCollection") == nil {
		t.Errorf("add: and OrderedCollection are in both lists; want them in")
	}
	if c := api.Class("OrderedCollection"); c == nil || strings.Join(c.InstVars, ",") != "array,firstIndex" || !c.Methods[1]["new:"] {
		t.Errorf("OrderedCollection = %+v; want its instance variables and class-side new:", c)
	}
}

func TestCheckGood(t *testing.T) {
	c := &Checker{API: loadTestAPI(t)}
	problems, err := c.Check("testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("unexpected problem: %v", p)
	}
}

// TestCheckReports checks the message and position of each kind of problem.
func TestCheckReports(t *testing.T) {
	c := &Checker{API: loadTestAPI(t)}
	problems, err := c.Check("testdata/bad")
	if err != nil {
		t.Fatal(err)
	}
	// Problems in the definitions of the other files.
	others := map[string]string{
		"Nowhere.extension.st:1:22": "unknown class or global Nowhere",
		"Orphan.class.st:3:17":      "unknown class or global Missing",
	}
	var gadget []Problem
	for _, p := range problems {
		if strings.HasSuffix(p.Path, "Gadget.class.st") {
			gadget = append(gadget, p)
			continue
		}
		key := fmt.Sprintf("%s:%d:%d", filepath.Base(p.Path), p.Line, p.Col)
		if want, ok := others[key]; !ok || !strings.HasPrefix(p.Msg, want) {
			t.Errorf("unexpected problem %v", p)
		}
		delete(others, key)
	}
	for k, v := range others {
		t.Errorf("missing problem %s: %s", k, v)
	}
	problems = gadget
	path := filepath.Join("testdata", "bad", "Gadget.class.st")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// at answers the 1-based line and column of the first match of pattern, plus skip.
	at := func(pattern string, skip int) (int, int) {
		i := strings.Index(string(src), pattern)
		if i < 0 {
			t.Fatalf("pattern %q not in %s", pattern, path)
		}
		i += skip
		line := 1 + strings.Count(string(src[:i]), "\n")
		col := i - strings.LastIndex(string(src[:i]), "\n")
		return line, col
	}
	want := []struct {
		pattern string
		skip    int
		kind    string
		msg     string
	}{
		{"frobnicate", 0, "selector", "unknown selector #frobnicate"},
		{"NoSuchClass", 0, "class", "unknown class or global NoSuchClass"},
		{"sise", 0, "variable", "undeclared variable sise"},
		{"size + \n]", 8, "syntax", "expected an expression"},
		{"OnlyIn12", 0, "class", "unknown class or global OnlyIn12"},
		{"onlyIn13", 0, "selector", "unknown selector #onlyIn13"},
		{"add: 3", 0, "class-side", "Gadget class does not understand #add:"},
	}
	if len(problems) != len(want) {
		for _, p := range problems {
			t.Logf("got %v", p)
		}
		t.Fatalf("got %d problems; want %d", len(problems), len(want))
	}
	for i, w := range want {
		p := problems[i]
		line, col := at(w.pattern, w.skip)
		if p.Path != path || p.Line != line || p.Col != col || p.Kind != w.kind || !strings.HasPrefix(p.Msg, w.msg) {
			t.Errorf("problem %d = %v (%s); want %s:%d:%d: %s... (%s)", i, p, p.Kind, path, line, col, w.msg, w.kind)
		}
		if !strings.HasPrefix(p.String(), p.Path+":") {
			t.Errorf("String() = %q; want file:line:col: message", p.String())
		}
	}
}

func TestCheckSyntaxOnly(t *testing.T) {
	c := &Checker{SyntaxOnly: true}
	problems, err := c.Check("testdata/bad")
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].Kind != "syntax" || !strings.HasSuffix(problems[0].Path, "Gadget.class.st") {
		t.Errorf("problems = %v; want the one syntax error", problems)
	}
	methods := 0
	for _, name := range []string{"Gadget.class.st", "Nowhere.extension.st", "Orphan.class.st"} {
		src, err := os.ReadFile(filepath.Join("testdata/bad", name))
		if err != nil {
			t.Fatal(err)
		}
		methods += bytes.Count(src, []byte("\n]"))
	}
	if c.Files != 3 || c.Methods != methods {
		t.Errorf("counted %d files and %d methods; want 3 and %d", c.Files, c.Methods, methods)
	}
}

func TestExceptions(t *testing.T) {
	c := &Checker{API: loadTestAPI(t)}
	problems, err := c.Check("testdata/exceptions")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Kind+" "+filepath.Base(p.Path)+" "+p.Msg)
	}
	want := []string{
		"variable Gadget.class.st undeclared variable sise", // its exception has no reason
		"syntax Gadget.class.st expected an expression",
		"class Gadget.class.st unknown class or global OnlyIn12",
		"selector Gadget.class.st unknown selector #onlyIn13",
		"exception stui-check.exceptions exception without a reason",
		"exception stui-check.exceptions unused exception selector neverSent",
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q; want %q...", i, got[i], want[i])
		}
	}
}

func TestFindAPI(t *testing.T) {
	if got, _ := FindAPI("flag", "env", "."); got != "flag" {
		t.Errorf("FindAPI with a flag = %q; want the flag", got)
	}
	if got, _ := FindAPI("", "env", "."); got != "env" {
		t.Errorf("FindAPI with $STUI_PHARO_API = %q; want it", got)
	}
	if _, err := FindAPI("", "", t.TempDir()); err == nil || !strings.Contains(err.Error(), "--api") {
		t.Errorf("FindAPI with nothing to find: err = %v; want one saying to pass --api", err)
	}
	if _, err := LoadAPI(t.TempDir()); err == nil || !strings.Contains(err.Error(), "pharo12-classes.tsv") {
		t.Errorf("LoadAPI of an empty directory: err = %v; want one naming the missing file", err)
	}
}

func BenchmarkLoadAPI(b *testing.B) {
	dir, err := FindAPI("", os.Getenv("STUI_PHARO_API"), ".")
	if err != nil {
		b.Skip(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := LoadAPI(dir); err != nil {
			b.Fatal(err)
		}
	}
}
