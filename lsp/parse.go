package lsp

import (
	"bytes"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/lsp/smalltalk"
)

// This file adapts the parser (package smalltalk) to the handlers: what is under the
// cursor, the statement to evaluate, the variables in scope, and the outline.

// parsed is a document's syntax tree.
type parsed struct {
	file *smalltalk.File
}

// file answers the document's syntax tree, parsing it on first use.
func (d *document) file() *smalltalk.File {
	d.parseOnce.Do(func() {
		name := d.Path
		if name == "" {
			name = string(d.URI)
		}
		src := d.Text()
		d.parsed = &parsed{file: smalltalk.Parse(src, smalltalk.KindOf(name, src))}
	})
	return d.parsed.file
}

// pathAt answers the nodes containing offset, outermost first.
func pathAt(f *smalltalk.File, offset int) []smalltalk.Node {
	var path []smalltalk.Node
	for _, r := range f.Nodes() {
		if !r.Span().Contains(offset) {
			continue
		}
		smalltalk.Inspect(r, func(n smalltalk.Node) bool {
			if !n.Span().Contains(offset) {
				return false
			}
			path = append(path, n)
			return true
		})
		if len(path) > 0 {
			break
		}
	}
	return path
}

// target is what the cursor is on.
type target struct {
	kind     targetKind
	name     string // class, variable or selector
	span     smalltalk.Span
	literal  *smalltalk.Literal
	variable *smalltalk.Variable
}

type targetKind int

const (
	targetNone targetKind = iota
	targetClass
	targetSelector
	targetVariable
	targetLiteral
)

// targetAt answers what is under the cursor: a class name, a selector (of a send, a
// method's pattern or a symbol), a variable or a literal.
func targetAt(d *document, offset int) target {
	f := d.file()
	path := pathAt(f, offset)
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *smalltalk.Variable:
			if n.Kind == smalltalk.Global {
				return target{kind: targetClass, name: n.Name, span: n.Loc}
			}
			return target{kind: targetVariable, name: n.Name, span: n.Loc, variable: n}
		case *smalltalk.Literal:
			if n.Kind == smalltalk.SymbolLit && isSelectorLike(n.Value()) {
				return target{kind: targetSelector, name: n.Value(), span: n.Loc, literal: n}
			}
			return target{kind: targetLiteral, span: n.Loc, literal: n}
		case *smalltalk.Message:
			if sp, ok := partAt(n.Parts, offset); ok {
				return target{kind: targetSelector, name: n.Selector, span: sp}
			}
		case *smalltalk.Method:
			if sp, ok := partAt(n.Parts, offset); ok {
				return target{kind: targetSelector, name: n.Selector, span: sp}
			}
			if n.Header.Contains(offset) && n.Class != "" {
				if w, sp := wordAt(d.Text(), offset); w == n.Class {
					return target{kind: targetClass, name: w, span: sp}
				}
			}
		case *smalltalk.ClassDef:
			if n.NameLoc.Contains(offset) {
				return target{kind: targetClass, name: n.Name, span: n.NameLoc}
			}
			if w, sp := wordAt(d.Text(), offset); w != "" && w == n.Superclass {
				return target{kind: targetClass, name: w, span: sp}
			}
		}
	}
	return target{}
}

func isSelectorLike(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\n'")
}

func partAt(parts []smalltalk.Span, offset int) (smalltalk.Span, bool) {
	for _, p := range parts {
		if p.Contains(offset) {
			return p, true
		}
	}
	return smalltalk.Span{}, false
}

// wordAt answers the identifier around offset.
func wordAt(src []byte, offset int) (string, smalltalk.Span) {
	offset = max(0, min(offset, len(src)))
	start, end := offset, offset
	for start > 0 && isIdentByte(src[start-1]) {
		start--
	}
	for end < len(src) && isIdentByte(src[end]) {
		end++
	}
	return string(src[start:end]), smalltalk.Span{Start: start, End: end}
}

// statementAt answers the byte range of the statement at offset: the innermost statement
// of a sequence (a method body, block or script) that contains the cursor, or the one that
// ends just before it.
func (s *server) statementAt(d *document, offset int) (start, end int, ok bool) {
	f := d.file()
	var best smalltalk.Span
	found := false
	consider := func(seq *smalltalk.Sequence) {
		for _, st := range seq.Statements {
			sp := st.Span()
			if sp.Contains(offset) && (!found || sp.Len() <= best.Len()) {
				best, found = sp, true
			}
		}
	}
	for _, r := range f.Nodes() {
		smalltalk.Inspect(r, func(n smalltalk.Node) bool {
			switch n := n.(type) {
			case *smalltalk.Sequence:
				consider(n)
			case *smalltalk.Method:
				if n.Body != nil {
					consider(n.Body)
				}
			}
			return true
		})
	}
	if !found {
		// After the statement's period, or past its end on the same line: the statement
		// that ends last before the cursor on that line.
		src := d.Text()
		var last smalltalk.Span
		for _, r := range f.Nodes() {
			smalltalk.Inspect(r, func(n smalltalk.Node) bool {
				var seq *smalltalk.Sequence
				switch n := n.(type) {
				case *smalltalk.Sequence:
					seq = n
				case *smalltalk.Method:
					seq = n.Body
				}
				if seq != nil {
					for _, st := range seq.Statements {
						sp := st.Span()
						if sp.End <= offset && sp.End >= last.End && !bytes.ContainsAny(src[sp.End:offset], "\n\r") {
							last, found = sp, true
						}
					}
				}
				return true
			})
		}
		if !found {
			return 0, 0, false
		}
		best = last
	}
	return best.Start, best.End, true
}

// localVariables answers the arguments and temporaries in scope at offset, and the
// instance variables of the class the file defines.
func (s *server) localVariables(d *document, offset int) []variable {
	f := d.file()
	var out []variable
	for _, n := range pathAt(f, offset) {
		switch n := n.(type) {
		case *smalltalk.Method:
			for _, p := range n.Params {
				out = append(out, variable{p.Name, "argument"})
			}
		case *smalltalk.Block:
			for _, p := range n.Params {
				out = append(out, variable{p.Name, "block argument"})
			}
		case *smalltalk.Sequence:
			for _, t := range n.Temps {
				out = append(out, variable{t.Name, "temporary"})
			}
		}
	}
	for _, n := range pathAt(f, offset) {
		if m, ok := n.(*smalltalk.Method); ok && m.Body != nil {
			for _, t := range m.Body.Temps {
				out = append(out, variable{t.Name, "temporary"})
			}
		}
	}
	for _, c := range f.Classes {
		for _, v := range c.InstVars {
			out = append(out, variable{v.Name, "instance variable of " + c.Name})
		}
		for _, v := range c.ClassVars {
			out = append(out, variable{v.Name, "class variable of " + c.Name})
		}
	}
	for _, p := range []string{"self", "super", "thisContext", "true", "false", "nil"} {
		out = append(out, variable{p, "pseudo-variable"})
	}
	return out
}

// lspRange answers the LSP range of a byte span of d.
func (d *document) lspRange(sp smalltalk.Span) protocol.Range {
	r, _ := d.Mapper.Range(sp.Start, sp.End)
	return fromRange(r)
}
