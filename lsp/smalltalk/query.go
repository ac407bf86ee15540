package smalltalk

import (
	"iter"
	"sort"
)

// Nodes answers the file's top-level nodes in source order: its definitions, methods and
// scripts.
func (f *File) Nodes() []Node {
	nodes := make([]Node, 0, len(f.Classes)+len(f.Methods)+len(f.Scripts))
	if f.Kind == Tonel { // a chunk file's definitions are statements of its scripts
		for _, c := range f.Classes {
			nodes = append(nodes, c)
		}
	}
	for _, m := range f.Methods {
		nodes = append(nodes, m)
	}
	for _, s := range f.Scripts {
		nodes = append(nodes, s)
	}
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].Span().Start < nodes[j].Span().Start })
	return nodes
}

// children answers the direct children of n.
func children(n Node) []Node {
	var out []Node
	Inspect(n, func(c Node) bool {
		if c == n {
			return true
		}
		out = append(out, c)
		return false
	})
	return out
}

// pick answers the node of nodes that holds offset: the one whose range holds it
// strictly, else one that ends at it (a cursor just after a name is on that name).
func pick(nodes []Node, offset int) Node {
	var touching Node
	for _, n := range nodes {
		s := n.Span()
		if s.Start <= offset && offset < s.End {
			return n
		}
		if s.End == offset && (s.Len() > 0 || touching == nil) {
			touching = n
		}
	}
	return touching
}

// NodeAt answers the path of nodes that hold the byte offset, from a top-level node (a
// *ClassDef, *Method or *Sequence) to the innermost node; nil if no node holds it. A
// cursor just after a node is on that node.
func (f *File) NodeAt(offset int) []Node {
	var path []Node
	n := pick(f.Nodes(), offset)
	for n != nil {
		path = append(path, n)
		n = pick(children(n), offset)
	}
	return path
}

// EnclosingMethod answers the method whose definition holds offset, or nil.
func (f *File) EnclosingMethod(offset int) *Method {
	for _, m := range f.Methods {
		if m.Loc.Start <= offset && offset <= m.Loc.End {
			return m
		}
	}
	return nil
}

// EnclosingClass answers the definition of the class that offset belongs to: in a Tonel
// file its definition; elsewhere the definition holding offset or the one of the class of
// the method holding it. It answers nil if there is none in the file.
func (f *File) EnclosingClass(offset int) *ClassDef {
	if f.Kind == Tonel {
		if len(f.Classes) > 0 {
			return f.Classes[0]
		}
		return nil
	}
	for _, c := range f.Classes {
		if c.Loc.Start <= offset && offset <= c.Loc.End {
			return c
		}
	}
	if m := f.EnclosingMethod(offset); m != nil {
		return f.Class(m.Class)
	}
	return nil
}

// sequenceAt answers the top-level statement list that holds offset: a method body or a
// script.
func (f *File) sequenceAt(offset int) *Sequence {
	if m := f.EnclosingMethod(offset); m != nil {
		return m.Body
	}
	for _, s := range f.Scripts {
		if s.Loc.Start <= offset && offset <= s.Loc.End {
			return s
		}
	}
	return nil
}

// StatementsIn answers the statements to evaluate for the selection [start, end) and the
// byte range that covers them, from the first statement's start to the last one's end.
// The statements are top-level ones of the script or method body that holds start; a
// selection covers every statement it overlaps. With start == end (no selection) it is the
// statement at the cursor: the one holding start, else the one ending just before it on
// the same line, else the one starting after it on the same line. It answers an empty
// range and no statements if there is none.
func (f *File) StatementsIn(start, end int) (Span, []Expr) {
	if end < start {
		start, end = end, start
	}
	seq := f.sequenceAt(start)
	if seq == nil {
		return Span{start, start}, nil
	}
	stmts := seq.Statements
	var got []Expr
	if start == end {
		var before, after Expr
		for _, s := range stmts {
			sp := s.Span()
			switch {
			case sp.Start <= start && start <= sp.End:
				got = []Expr{s}
			case sp.End < start && !f.newlineIn(sp.End, start):
				before = s
			case sp.Start > start && after == nil && !f.newlineIn(start, sp.Start):
				after = s
			}
			if got != nil {
				break
			}
		}
		switch {
		case got != nil:
		case before != nil:
			got = []Expr{before}
		case after != nil:
			got = []Expr{after}
		}
	} else {
		for _, s := range stmts {
			sp := s.Span()
			if sp.Start < end && sp.End > start {
				got = append(got, s)
			}
		}
	}
	if len(got) == 0 {
		return Span{start, start}, nil
	}
	return Span{got[0].Span().Start, got[len(got)-1].Span().End}, got
}

func (f *File) newlineIn(start, end int) bool {
	for i := max(start, 0); i < end && i < len(f.Src); i++ {
		if f.Src[i] == '\n' || f.Src[i] == '\r' {
			return true
		}
	}
	return false
}

// Identifier is a classified identifier: a variable, a class or global name, or a part of
// a selector.
type Identifier struct {
	Name string
	Kind IdentKind
	Loc  Span
	// Decl is the declaration of an argument or temporary.
	Decl *Variable
	// Selector is the full selector the part belongs to, for a SelectorPart.
	Selector string
}

// IdentifierAt answers the identifier at offset (a cursor just after it counts) and
// whether there is one. Names in a class definition (the class name, instance and class
// variables) are identifiers too.
func (f *File) IdentifierAt(offset int) (Identifier, bool) {
	path := f.NodeAt(offset)
	if len(path) == 0 {
		return Identifier{}, false
	}
	in := func(s Span) bool { return s.Start <= offset && offset <= s.End }
	for i := len(path) - 1; i >= 0; i-- {
		switch n := path[i].(type) {
		case *Variable:
			return Identifier{Name: n.Name, Kind: n.Kind, Loc: n.Loc, Decl: n.Decl}, true
		case *Message:
			for _, p := range n.Parts {
				if in(p) {
					return f.part(p, n.Selector), true
				}
			}
		case *Pragma:
			for _, p := range n.Parts {
				if in(p) {
					return f.part(p, n.Selector), true
				}
			}
		case *Method:
			for _, p := range n.Parts {
				if in(p) {
					return f.part(p, n.Selector), true
				}
			}
			if n.Header.Len() > 0 && in(Span{n.Header.Start, n.Header.Start + len(n.Class)}) {
				return Identifier{Name: n.Class, Kind: Global, Loc: Span{n.Header.Start, n.Header.Start + len(n.Class)}}, true
			}
		case *ClassDef:
			if in(n.NameLoc) {
				return Identifier{Name: n.Name, Kind: Global, Loc: n.NameLoc}, true
			}
			for _, list := range []struct {
				names []Name
				kind  IdentKind
			}{{n.InstVars, InstanceVariable}, {n.ClassInstVars, InstanceVariable}, {n.ClassVars, ClassVariable}} {
				for _, v := range list.names {
					if in(v.Loc) {
						return Identifier{Name: v.Name, Kind: list.kind, Loc: v.Loc}, true
					}
				}
			}
		}
	}
	return Identifier{}, false
}

func (f *File) part(p Span, selector string) Identifier {
	return Identifier{Name: string(f.Src[p.Start:p.End]), Kind: SelectorPart, Loc: p, Selector: selector}
}

// Sends iterates over every message sent in the file, in source order, with its receiver:
// the receiver expression of a send, the receiver of a cascade, or nil for a cascade
// message sent to the result of the one before it (see [Message.Chained]).
func (f *File) Sends() iter.Seq2[Expr, *Message] {
	return func(yield func(Expr, *Message) bool) {
		ok := true
		var walk func(n Node) bool
		walk = func(n Node) bool {
			Inspect(n, func(n Node) bool {
				if !ok {
					return false
				}
				switch n := n.(type) {
				case *Send:
					walk(n.Receiver)
					ok = ok && yield(n.Receiver, n.Message)
					walk(n.Message)
					return false
				case *Cascade:
					walk(n.Receiver)
					for _, m := range n.Messages {
						var recv Expr = n.Receiver
						if m.Chained {
							recv = nil
						}
						ok = ok && yield(recv, m)
						walk(m)
					}
					return false
				}
				return true
			})
			return ok
		}
		for _, n := range f.Nodes() {
			if !walk(n) {
				return
			}
		}
	}
}
