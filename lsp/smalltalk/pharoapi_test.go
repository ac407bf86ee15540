package smalltalk

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findAPI answers shared/pharo-api above the package, or "" (the test is then skipped).
func findAPI() string {
	if d := os.Getenv("STUI_PHARO_API"); d != "" {
		return d
	}
	dir, _ := filepath.Abs(".")
	for {
		cand := filepath.Join(dir, "shared", "pharo-api")
		if _, err := os.Stat(filepath.Join(cand, "pharo13-methods.tsv")); err == nil {
			return cand
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
		dir = filepath.Dir(dir)
	}
}

// TestPharoSignatures writes every method signature of Pharo 12 and 13 (from the API
// lists) as a Tonel method and checks that each parses with its selector and arguments.
func TestPharoSignatures(t *testing.T) {
	dir := findAPI()
	if dir == "" {
		t.Skip("shared/pharo-api not found; set STUI_PHARO_API")
	}
	for _, v := range []string{"pharo12", "pharo13"} {
		fh, err := os.Open(filepath.Join(dir, v+"-methods.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("Class { #name : #X }\n")
		type sig struct{ sel, args string }
		var sigs []sig
		sc := bufio.NewScanner(fh)
		sc.Scan() // header
		for sc.Scan() {
			f := strings.Split(sc.Text(), "\t")
			sel, args := f[2], strings.Split(f[4], ",")
			var pat string
			switch {
			case strings.HasSuffix(sel, ":"):
				kws := strings.SplitAfter(sel, ":")
				for i, kw := range kws[:len(kws)-1] {
					pat += kw + " " + args[i] + " "
				}
			case f[4] != "":
				pat = sel + " " + args[0]
			default:
				pat = sel
			}
			side := ""
			if f[1] == "class" {
				side = " class"
			}
			b.WriteString("\n{ #category : #'" + strings.ReplaceAll(f[3], "'", "''") + "' }\n" + f[0] + side + " >> " + pat + "[\n\t^ self\n]\n")
			sigs = append(sigs, sig{sel, f[4]})
		}
		fh.Close()
		f := Parse([]byte(b.String()), Tonel)
		for i, e := range f.Errors {
			if i > 10 {
				break
			}
			t.Errorf("%s: %v: %s", v, e.Msg, b.String()[max(0, e.Loc.Start-60):e.Loc.End])
		}
		if len(f.Methods) != len(sigs) {
			t.Fatalf("%s: %d methods parsed; want %d", v, len(f.Methods), len(sigs))
		}
		for i, m := range f.Methods {
			var args []string
			for _, p := range m.Params {
				args = append(args, p.Name)
			}
			if m.Selector != sigs[i].sel || strings.Join(args, ",") != sigs[i].args {
				t.Errorf("%s: method %d parsed as %s (%v); want %s (%s)", v, i, m.Selector, args, sigs[i].sel, sigs[i].args)
			}
		}
	}
}
