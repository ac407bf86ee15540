// Package check is the engine of `stui check`: it checks the Smalltalk of a directory
// statically, without Pharo, against the classes and methods that Pharo 12 and Pharo 13
// both define (the lists in shared/pharo-api/, loaded by [LoadAPI]).
//
// Start with [Checker.Check]. It parses every .st file under the directory (Tonel, chunk
// and scripts; see package smalltalk) and reports, as [Problem]s:
//
//   - syntax: a syntax error;
//   - class: a class or global named that is neither defined in the directory nor in both
//     Pharo versions, nor a class or pool variable in scope, nor a well-known global
//     ([Globals]: Smalltalk, Transcript, Processor, World, ...);
//   - selector: a selector sent that no class implements, in the directory or in both
//     Pharo versions;
//   - class-side: a message sent to a class literal (Foo bar) that Foo's class side does
//     not understand: not implemented on Foo class, its superclasses' class sides, the
//     class sides of their traits, nor Class, ClassDescription, Behavior, Object and
//     ProtoObject;
//   - variable: a variable that is not a temporary, argument, instance variable (declared
//     by the class or a superclass), class variable, pool variable or global;
//   - exception: a line of the exceptions file without a reason, or that matched nothing.
//
// With SyntaxOnly only syntax problems are reported.
//
// # Exceptions
//
// A directory may hold a reviewed exceptions file, stui-check.exceptions, listing
// deliberate cases. One exception a line: the kind of problem, its subject (a glob as in
// path.Match) and, after at least one space, the reason, which is required:
//
//	# comments start with #
//	selector  zmq_*        the ZeroMQ binding is loaded by the baseline, not in Pharo's lists
//	class     ZmqContext   from the ZeroMQ project, loaded by the baseline
//	variable  undeclaredX  kept on purpose for a test of undeclared variables
//
// The subject is the selector (selector, class-side: "Foo bar" reads "Foo>>bar"), the
// class or global name (class), or the variable name (variable). An exception without a
// reason, and one that matched no problem, is itself a problem.
package check

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/stui-dev/stui/lsp/smalltalk"
)

// ExceptionsFile is the name of the exceptions file in a checked directory.
const ExceptionsFile = "stui-check.exceptions"

// Globals are the well-known globals that are not classes; a name listed here is never
// reported as unknown.
var Globals = []string{"Smalltalk", "Transcript", "Processor", "World", "Undeclared", "Display",
	"Sensor", "SourceFiles", "ActiveWorld", "ActiveHand", "ActiveEvent", "SystemOrganization",
	"ScheduledControllers", "Cursor"}

// Problem is one problem found.
type Problem struct {
	Path    string // as found under the checked directory, joined to it
	Line    int    // 1-based
	Col     int    // 1-based, in characters
	Kind    string // syntax, class, selector, class-side, variable, exception
	Subject string // what the problem is about: a selector, a class or variable name
	Msg     string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d:%d: %s", p.Path, p.Line, p.Col, p.Msg) }

// Checker checks directories.
type Checker struct {
	API        *API // required unless SyntaxOnly
	SyntaxOnly bool

	// Files and Methods count what the checks so far have read.
	Files, Methods int
}

// file is a parsed file of the checked directory.
type file struct {
	path string
	f    *smalltalk.File
}

// Check checks every .st file under dir and answers the problems, sorted by file and
// position. It answers an error only when dir cannot be read.
func (c *Checker) Check(dir string) ([]Problem, error) {
	var files []file
	var problems []Problem
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".st") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fl := file{path: p, f: smalltalk.Parse(src, smalltalk.KindOf(p, src))}
		c.Files++
		c.Methods += len(fl.f.Methods)
		for _, e := range fl.f.Errors {
			problems = append(problems, problemAt(fl, e.Loc.Start, "syntax", "", e.Msg))
		}
		if !c.SyntaxOnly {
			// the semantic checks need every file at once; a syntax check keeps none
			files = append(files, fl)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !c.SyntaxOnly {
		if c.API == nil {
			return nil, fmt.Errorf("check: no Pharo API lists loaded")
		}
		problems = append(problems, c.checkSemantics(files)...)
		problems, err = applyExceptions(dir, problems)
		if err != nil {
			return nil, err
		}
	}
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i], problems[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return problems, nil
}

func problemAt(fl file, offset int, kind, subject, msg string) Problem {
	src := fl.f.Src
	offset = min(max(offset, 0), len(src))
	line := 1 + bytes.Count(src[:offset], []byte("\n"))
	ls := bytes.LastIndexByte(src[:offset], '\n') + 1
	col := 1 + utf8.RuneCount(src[ls:offset])
	return Problem{Path: fl.path, Line: line, Col: col, Kind: kind, Subject: subject, Msg: msg}
}

// world is the classes known to the check: the directory's, then the API's.
type world struct {
	api       *API
	local     map[string]*Class
	localSels map[string]bool
}

func (w *world) class(name string) *Class {
	if c := w.local[name]; c != nil {
		return c
	}
	return w.api.Class(name)
}

// merged answers the local class named name with the API's methods added, for
// extensions of Pharo classes; local classes shadow API ones otherwise.
func (c *Checker) buildWorld(files []file) *world {
	w := &world{api: c.API, local: map[string]*Class{}, localSels: map[string]bool{}}
	for _, fl := range files {
		for _, d := range fl.f.Classes {
			if d.Kind == smalltalk.ExtensionKind || d.Kind == smalltalk.PackageKind || d.Name == "" {
				continue
			}
			cl := &Class{Name: d.Name, Superclass: d.Superclass, Trait: d.Kind == smalltalk.TraitKind,
				InstVars: names(d.InstVars), ClassVars: names(d.ClassVars), ClassInstVars: names(d.ClassInstVars),
				Pools: names(d.Pools), Traits: traitNames(d.Traits), ClassTraits: traitNames(d.ClassTraits)}
			cl.Methods = [2]map[string]bool{{}, {}}
			if cl.Superclass == "" && !cl.Trait {
				cl.Superclass = "Object"
			}
			w.local[d.Name] = cl
		}
	}
	for _, fl := range files {
		for _, m := range fl.f.Methods {
			w.localSels[m.Selector] = true
			cl := w.local[m.Class]
			if cl == nil { // an extension of a Pharo class: copy it to add the methods
				api := c.API.Class(m.Class)
				cl = &Class{Name: m.Class, Superclass: "Object", Methods: [2]map[string]bool{{}, {}}}
				if api != nil {
					cp := *api
					cl = &cp
					cl.Methods = [2]map[string]bool{{}, {}}
					for side := range api.Methods {
						for s := range api.Methods[side] {
							cl.Methods[side][s] = true
						}
					}
				}
				w.local[m.Class] = cl
			}
			side := 0
			if m.Meta {
				side = 1
			}
			cl.Methods[side][m.Selector] = true
		}
	}
	return w
}

func names(ns []smalltalk.Name) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return out
}

// chain answers the class named name and its superclasses, nearest first.
func (w *world) chain(name string) []*Class {
	var out []*Class
	for i := 0; name != "" && name != "nil" && i < 100; i++ {
		c := w.class(name)
		if c == nil {
			break
		}
		out = append(out, c)
		name = c.Superclass
	}
	return out
}

// understands reports whether the class side of class understands selector.
func (w *world) classSideUnderstands(class, selector string) bool {
	for _, c := range w.chain(class) {
		if c.Methods[1][selector] {
			return true
		}
		for _, t := range append(append([]string{}, c.Traits...), c.ClassTraits...) {
			for _, tc := range w.traitChain(t) {
				if tc.Methods[1][selector] {
					return true
				}
			}
		}
	}
	meta := "Class"
	if c := w.class(class); c != nil && c.Trait {
		meta = "Trait"
	}
	for _, c := range w.chain(meta) {
		if c.Methods[0][selector] || w.traitsUnderstand(c, 0, selector) {
			return true
		}
	}
	return false
}

// traitChain answers the trait named name and the traits it uses.
func (w *world) traitChain(name string) []*Class {
	var out []*Class
	seen := map[string]bool{}
	var add func(string)
	add = func(n string) {
		if seen[n] || len(seen) > 50 {
			return
		}
		seen[n] = true
		if c := w.class(n); c != nil {
			out = append(out, c)
			for _, t := range c.Traits {
				add(t)
			}
		}
	}
	add(name)
	return out
}

func (w *world) traitsUnderstand(c *Class, side int, selector string) bool {
	for _, t := range c.Traits {
		for _, tc := range w.traitChain(t) {
			if tc.Methods[side][selector] {
				return true
			}
		}
	}
	return false
}

// hasVariable reports whether an instance of class (the class itself if meta) has the
// instance variable name.
func (w *world) hasInstVar(class string, meta bool, name string) bool {
	for _, c := range w.chain(class) {
		owners := []*Class{c}
		for _, t := range c.Traits { // a trait's slots become the user's instance variables
			owners = append(owners, w.traitChain(t)...)
		}
		for _, o := range owners {
			vars := o.InstVars
			if meta {
				vars = o.ClassInstVars
			}
			for _, v := range vars {
				if v == name {
					return true
				}
			}
		}
	}
	if meta { // a class is an instance of its metaclass: Class's instance variables
		for _, c := range w.chain("Class") {
			for _, v := range c.InstVars {
				if v == name {
					return true
				}
			}
		}
	}
	return false
}

// hasShared reports whether name is a class variable of class or a superclass, or a
// variable of one of their pools.
func (w *world) hasShared(class, name string) bool {
	for _, c := range w.chain(class) {
		for _, v := range c.ClassVars {
			if v == name {
				return true
			}
		}
		for _, p := range c.Pools {
			for _, pc := range w.chain(p) {
				for _, v := range pc.ClassVars {
					if v == name {
						return true
					}
				}
			}
		}
	}
	return false
}

// definedHere reports whether a class or trait named name is defined (not extended) in files.
func (w *world) definedHere(files []file, name string) bool {
	for _, fl := range files {
		for _, d := range fl.f.Classes {
			if d.Name == name && d.Kind != smalltalk.ExtensionKind {
				return true
			}
		}
	}
	return false
}

func (w *world) isGlobal(name string) bool {
	if w.class(name) != nil {
		return true
	}
	for _, g := range Globals {
		if g == name {
			return true
		}
	}
	return false
}

func (c *Checker) checkSemantics(files []file) []Problem {
	w := c.buildWorld(files)
	var problems []Problem
	for _, fl := range files {
		for _, d := range fl.f.Classes {
			switch {
			case d.Kind == smalltalk.ExtensionKind && w.api.Class(d.Name) == nil && !w.definedHere(files, d.Name):
				problems = append(problems, problemAt(fl, d.NameLoc.Start, "class", d.Name,
					fmt.Sprintf("unknown class or global %s: extended here but defined neither here nor in both Pharo 12 and 13", d.Name)))
			case d.Superclass != "" && d.Superclass != "nil" && w.class(d.Superclass) == nil:
				problems = append(problems, problemAt(fl, d.SuperclassLoc.Start, "class", d.Superclass,
					fmt.Sprintf("unknown class or global %s: the superclass of %s is defined neither here nor in both Pharo 12 and 13", d.Superclass, d.Name)))
			}
		}
		for _, m := range fl.f.Methods {
			problems = append(problems, w.checkCode(fl, m, m.Class, m.Meta)...)
		}
		for _, s := range fl.f.Scripts {
			problems = append(problems, w.checkCode(fl, s, "", false)...)
		}
	}
	return problems
}

// checkCode checks the variables and sends of a method (of class, on the class side if
// meta) or a script (class "").
func (w *world) checkCode(fl file, n smalltalk.Node, class string, meta bool) []Problem {
	var problems []Problem
	smalltalk.Inspect(n, func(n smalltalk.Node) bool {
		switch n := n.(type) {
		case *smalltalk.Variable:
			switch n.Kind {
			case smalltalk.Undeclared:
				if class == "" || !w.hasInstVar(class, meta, n.Name) {
					problems = append(problems, problemAt(fl, n.Loc.Start, "variable", n.Name,
						fmt.Sprintf("undeclared variable %s: not a temporary, argument or instance variable of %s", n.Name, sideName(class, meta))))
				}
			case smalltalk.Global:
				if !w.isGlobal(n.Name) && (class == "" || !w.hasShared(class, n.Name)) {
					problems = append(problems, problemAt(fl, n.Loc.Start, "class", n.Name,
						fmt.Sprintf("unknown class or global %s: defined neither here nor in both Pharo 12 and 13", n.Name)))
				}
			}
		case *smalltalk.Send:
			problems = append(problems, w.checkSend(fl, n.Receiver, n.Message)...)
		case *smalltalk.Cascade:
			for _, m := range n.Messages {
				recv := n.Receiver
				if m.Chained {
					recv = nil
				}
				problems = append(problems, w.checkSend(fl, recv, m)...)
			}
		}
		return true
	})
	return problems
}

func sideName(class string, meta bool) string {
	if meta {
		return class + " class"
	}
	return class
}

func (w *world) checkSend(fl file, recv smalltalk.Expr, m *smalltalk.Message) []Problem {
	sel := m.Selector
	at := m.Loc.Start
	if len(m.Parts) > 0 {
		at = m.Parts[0].Start
	}
	if v, ok := recv.(*smalltalk.Variable); ok && v.Kind == smalltalk.Global {
		if cl := w.class(v.Name); cl != nil {
			if !w.classSideUnderstands(v.Name, sel) {
				return []Problem{problemAt(fl, at, "class-side", v.Name+">>"+sel,
					fmt.Sprintf("%s class does not understand #%s: not implemented on the class side of %s or its superclasses, nor by Class", v.Name, sel, v.Name))}
			}
			return nil
		}
	}
	if w.localSels[sel] || w.api.Implements(sel) {
		return nil
	}
	return []Problem{problemAt(fl, at, "selector", sel,
		fmt.Sprintf("unknown selector #%s: implemented neither here nor in both Pharo 12 and 13", sel))}
}

// exception is a line of the exceptions file.
type exception struct {
	line          int
	kind, subject string
	reason        string
	used          bool
}

// applyExceptions removes the problems the exceptions file of dir excuses and adds the
// problems of the file itself.
func applyExceptions(dir string, problems []Problem) ([]Problem, error) {
	p := filepath.Join(dir, ExceptionsFile)
	data, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return problems, nil
	}
	if err != nil {
		return nil, err
	}
	var excs []*exception
	var out []Problem
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		e := &exception{line: n}
		if len(f) > 0 {
			e.kind = f[0]
		}
		if len(f) > 1 {
			e.subject = f[1]
		}
		if len(f) > 2 {
			e.reason = strings.Join(f[2:], " ")
		}
		switch {
		case e.kind != "class" && e.kind != "selector" && e.kind != "class-side" && e.kind != "variable":
			out = append(out, Problem{Path: p, Line: n, Col: 1, Kind: "exception", Msg: "unknown kind " + fmt.Sprintf("%q", e.kind) + ": use class, selector, class-side or variable"})
		case e.reason == "":
			out = append(out, Problem{Path: p, Line: n, Col: 1, Kind: "exception", Msg: "exception without a reason: write why " + e.subject + " is deliberate after it"})
		default:
			if _, err := path.Match(e.subject, ""); err != nil {
				out = append(out, Problem{Path: p, Line: n, Col: 1, Kind: "exception", Msg: "bad pattern " + e.subject + ": " + err.Error()})
				continue
			}
			excs = append(excs, e)
		}
	}
	for _, pr := range problems {
		excused := false
		for _, e := range excs {
			if ok, _ := path.Match(e.subject, pr.Subject); ok && e.kind == pr.Kind {
				e.used, excused = true, true
			}
		}
		if !excused {
			out = append(out, pr)
		}
	}
	for _, e := range excs {
		if !e.used {
			out = append(out, Problem{Path: p, Line: e.line, Col: 1, Kind: "exception", Msg: "unused exception " + e.kind + " " + e.subject + ": nothing matches it any more; remove it"})
		}
	}
	return out, nil
}
