package smalltalk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// resolver classifies the variables of one method or script: it sets each Variable's Kind
// and Decl.
type resolver struct {
	scope     []*Variable // declarations in scope, innermost last
	instVars  []Name
	classVars []Name
	free      IdentKind // the kind of an undeclared lower-case name
}

// resolveMethod classifies the variables of m, with the instance and class variables of
// def when def defines m's class.
func resolveMethod(m *Method, def *ClassDef) {
	r := &resolver{free: Undeclared}
	if def != nil && def.Name == m.Class && def.Kind != ExtensionKind {
		r.instVars = def.InstVars
		if m.Meta {
			r.instVars = def.ClassInstVars
		}
		r.classVars = def.ClassVars
	}
	for _, p := range m.Params {
		r.declare(p, Argument)
	}
	for _, pr := range m.Pragmas {
		for i, a := range pr.Args {
			if v, ok := a.(*Variable); ok {
				r.declare(v, Temporary)
			} else if v := primitiveErrorSymbol(pr, i, a); v != nil {
				r.declare(v, Temporary)
			} else {
				r.expr(a)
			}
		}
	}
	if m.Body != nil {
		r.sequence(m.Body)
	}
}

// primitiveErrorSymbol answers the temporary that <primitive: 97 error: #ec> declares
// (Pharo reads it as <primitive: 97 error: ec>) when a is the symbol after error:, or nil.
// The variable stands at the symbol's name.
func primitiveErrorSymbol(pr *Pragma, i int, a Expr) *Variable {
	lit, ok := a.(*Literal)
	if !ok || lit.Kind != SymbolLit || !strings.HasPrefix(pr.Selector, "primitive:") {
		return nil
	}
	keywords := strings.Split(pr.Selector, ":")
	if i >= len(keywords) || keywords[i] != "error" {
		return nil
	}
	name := strings.TrimPrefix(lit.Text, "#")
	if !isIdentifier(name) {
		return nil
	}
	return &Variable{Loc: Span{lit.Loc.End - len(name), lit.Loc.End}, Name: name}
}

// isIdentifier reports whether s is a whole identifier, such as ec or a1_b.
func isIdentifier(s string) bool {
	src := []byte(s)
	if len(src) == 0 || letterAt(src, 0, false) == 0 {
		return false
	}
	for i := 0; i < len(src); {
		n := letterAt(src, i, true)
		if n == 0 {
			return false
		}
		i += n
	}
	return true
}

// resolveSequence classifies the variables of a script; undeclared lower-case names get
// the kind free.
func resolveSequence(seq *Sequence, def *ClassDef, free IdentKind) {
	r := &resolver{free: free}
	if def != nil {
		r.instVars, r.classVars = def.InstVars, def.ClassVars
	}
	r.sequence(seq)
}

func (r *resolver) declare(v *Variable, kind IdentKind) {
	v.Kind, v.Decl = kind, v
	r.scope = append(r.scope, v)
}

func (r *resolver) sequence(seq *Sequence) {
	mark := len(r.scope)
	for _, t := range seq.Temps {
		r.declare(t, Temporary)
	}
	for _, s := range seq.Statements {
		r.expr(s)
	}
	r.scope = r.scope[:mark]
}

func (r *resolver) expr(e Expr) {
	switch e := e.(type) {
	case *Variable:
		r.reference(e)
	case *LiteralArray, *Literal, *BadExpr, nil:
	case *DynamicArray:
		for _, x := range e.Elements {
			r.expr(x)
		}
	case *Block:
		mark := len(r.scope)
		for _, p := range e.Params {
			r.declare(p, Argument)
		}
		r.sequence(e.Body)
		r.scope = r.scope[:mark]
	case *Assignment:
		r.reference(e.Var)
		r.expr(e.Value)
	case *Send:
		r.expr(e.Receiver)
		r.message(e.Message)
	case *Cascade:
		r.expr(e.Receiver)
		for _, m := range e.Messages {
			r.message(m)
		}
	case *Return:
		r.expr(e.Value)
	case *Paren:
		r.expr(e.X)
	}
}

func (r *resolver) message(m *Message) {
	for _, a := range m.Args {
		r.expr(a)
	}
}

func (r *resolver) reference(v *Variable) {
	switch v.Name {
	case "self", "super", "thisContext", "@":
		v.Kind = Pseudo
		return
	}
	for i := len(r.scope) - 1; i >= 0; i-- {
		if d := r.scope[i]; d.Name == v.Name {
			v.Kind, v.Decl = d.Kind, d
			return
		}
	}
	for _, n := range r.instVars {
		if n.Name == v.Name {
			v.Kind = InstanceVariable
			return
		}
	}
	for _, n := range r.classVars {
		if n.Name == v.Name {
			v.Kind = ClassVariable
			return
		}
	}
	if IsUpper(v.Name) {
		v.Kind = Global
		return
	}
	v.Kind = r.free
}

// IsUpper reports whether name starts with an upper-case letter, as class and global
// names do.
func IsUpper(name string) bool {
	r, _ := utf8.DecodeRuneInString(name)
	return unicode.IsUpper(r)
}
