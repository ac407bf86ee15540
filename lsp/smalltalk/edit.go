package smalltalk

// remap applies fn to every offset held by the tree rooted at n.
func remap(n Node, fn func(int) int) {
	sp := func(s *Span) { s.Start, s.End = fn(s.Start), fn(s.End) }
	parts := func(ps []Span) {
		for i := range ps {
			sp(&ps[i])
		}
	}
	seen := map[*Sequence]bool{}
	Inspect(n, func(n Node) bool {
		switch n := n.(type) {
		case *Variable:
			sp(&n.Loc)
		case *Literal:
			sp(&n.Loc)
		case *LiteralArray:
			sp(&n.Loc)
		case *DynamicArray:
			sp(&n.Loc)
		case *Block:
			sp(&n.Loc)
		case *Sequence:
			sp(&n.Loc)
			seen[n] = true
		case *Assignment:
			sp(&n.Loc)
		case *Message:
			sp(&n.Loc)
			parts(n.Parts)
		case *Send:
			sp(&n.Loc)
		case *Cascade:
			sp(&n.Loc)
		case *Return:
			sp(&n.Loc)
		case *Paren:
			sp(&n.Loc)
		case *Pragma:
			sp(&n.Loc)
			parts(n.Parts)
		case *BadExpr:
			sp(&n.Loc)
		case *Method:
			sp(&n.Loc)
			sp(&n.Header)
			sp(&n.BodyLoc)
			parts(n.Parts)
			if n.Body != nil && !seen[n.Body] {
				sp(&n.Body.Loc)
			}
		case *ClassDef:
			sp(&n.Loc)
		}
		return true
	})
}

// Reparse answers the parse of src, the content of f after one edit that replaced the
// bytes [start, end) of f.Src with newLen bytes. When the edit lies inside one method body
// of a Tonel file and that body still ends where it did, only that method is parsed again
// and the others are reused; otherwise the whole file is parsed.
//
// Reparse consumes f: the reused methods are moved into the answer (their offsets
// shifted), so f must not be used afterwards, by this goroutine or any other. Callers that
// share parsed files between goroutines should call Parse instead.
func (f *File) Reparse(src []byte, start, end, newLen int) *File {
	delta := newLen - (end - start)
	if f.Kind != Tonel || len(src) != len(f.Src)+delta || start > end {
		return Parse(src, KindOf("", src))
	}
	idx := -1
	for i, m := range f.Methods {
		if m.BodyLoc.Start <= start && end <= m.BodyLoc.End {
			idx = i
			break
		}
	}
	if idx < 0 {
		return Parse(src, Tonel)
	}
	old := f.Methods[idx]
	bodyEnd, closed := matchBody(src, old.BodyLoc.Start)
	if !closed || bodyEnd != old.BodyLoc.End+delta || !bytesEqual(src[:old.BodyLoc.Start], f.Src[:old.BodyLoc.Start]) {
		return Parse(src, Tonel)
	}
	nf := &File{Kind: Tonel, Src: src, Classes: f.Classes, Methods: f.Methods, Scripts: f.Scripts}
	m := &Method{Loc: Span{old.Loc.Start, old.Loc.End + delta}, Class: old.Class, Meta: old.Meta,
		Category: old.Category, Header: old.Header, Selector: old.Selector, Parts: old.Parts,
		Params: old.Params, BodyLoc: Span{old.BodyLoc.Start, bodyEnd}, Extended: old.Extended}
	for _, p := range m.Params {
		p.Decl, p.Kind = p, Argument
	}
	var def *ClassDef
	if len(f.Classes) > 0 {
		def = f.Classes[0]
	}
	parseBody(nf, m, m.BodyLoc.Start, bodyEnd)
	resolveMethod(m, def)
	bodyErrs := nf.Errors
	nf.Errors = nil
	shift := func(o int) int {
		if o >= old.BodyLoc.End {
			return o + delta
		}
		return o
	}
	for _, e := range f.Errors {
		switch {
		case e.Loc.End <= old.BodyLoc.Start || e.Loc.Start < old.BodyLoc.Start:
			nf.Errors = append(nf.Errors, e)
		case e.Loc.Start >= old.BodyLoc.End:
			nf.Errors = append(nf.Errors, Error{Loc: Span{e.Loc.Start + delta, e.Loc.End + delta}, Msg: e.Msg})
		}
	}
	nf.Errors = append(nf.Errors, bodyErrs...)
	sortErrors(nf.Errors)
	nf.Methods[idx] = m
	if delta != 0 {
		for _, later := range nf.Methods[idx+1:] {
			remap(later, shift)
		}
	}
	f.Methods = nil // f is consumed
	return nf
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }
