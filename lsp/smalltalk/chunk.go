package smalltalk

import (
	"bytes"
	"strings"
)

// parseChunks parses a chunk-format file-out: chunks end with "!" ("!!" stands for one
// "!"); an empty chunk announces a reader chunk such as "Foo methodsFor: 'accessing'",
// after which each chunk is a method until an empty one.
func parseChunks(f *File) {
	src := f.Src
	var class, category string
	var meta, inMethods, readerNext bool
	for i := 0; i < len(src); {
		end, escaped := chunkEnd(src, i)
		next := min(end+1, len(src))
		ts, te := trimSpace(src, i, end)
		empty := ts == te || onlyComments(src, ts, te)
		switch {
		case inMethods && empty:
			inMethods = false
		case inMethods:
			m := &Method{Loc: Span{ts, te}, Class: class, Meta: meta, Category: category, BodyLoc: Span{ts, te}}
			subParse(f, ts, te, escaped, func(p *parser, start, end int) []Node {
				if p.parsePattern(m) {
					p.parseMethodBody(m, p.tok.start)
				} else {
					m.Body = &Sequence{}
					p.recovering = false
					p.skipStatement()
				}
				for p.tok.tok != tEOF {
					p.errorHere("unexpected " + p.text(p.tok) + " in the method " + m.Selector)
					p.recovering = false
					p.next()
					p.parseStatements(m.Body)
				}
				m.Body.Loc = Span{start, end}
				m.BodyLoc = Span{start, end}
				m.Loc = Span{start, end}
				return []Node{m}
			})
			f.Methods = append(f.Methods, m)
		case empty:
			readerNext = true
		default:
			var seq *Sequence
			subParse(f, ts, te, escaped, func(p *parser, start, end int) []Node {
				seq = p.parseSequence(start, true)
				for p.tok.tok != tEOF {
					p.errorHere("unexpected " + p.text(p.tok) + " here")
					p.recovering = false
					p.next()
					p.parseStatements(seq)
				}
				seq.Loc = Span{start, end}
				return []Node{seq}
			})
			f.Scripts = append(f.Scripts, seq)
			if readerNext {
				if c, m, cat, ok := methodsFor(seq); ok {
					class, meta, category, inMethods = c, m, cat, true
				}
			}
			chunkDefinitions(f, seq)
			readerNext = false
		}
		if end >= len(src) {
			break
		}
		i = next
	}
	for _, s := range f.Scripts {
		resolveSequence(s, nil, WorkspaceVariable)
	}
	for _, m := range f.Methods {
		resolveMethod(m, f.Class(m.Class))
	}
}

// chunkEnd answers the offset of the "!" that ends the chunk starting at i (len(src) if
// none) and whether the chunk holds "!!".
func chunkEnd(src []byte, i int) (int, bool) {
	escaped := false
	for {
		j := bytes.IndexByte(src[i:], '!')
		if j < 0 {
			return len(src), escaped
		}
		i += j
		if i+1 < len(src) && src[i+1] == '!' {
			escaped = true
			i += 2
			continue
		}
		return i, escaped
	}
}

func trimSpace(src []byte, s, e int) (int, int) {
	for s < e && isSeparator(src[s]) {
		s++
	}
	for e > s && isSeparator(src[e-1]) {
		e--
	}
	return s, e
}

func onlyComments(src []byte, s, e int) bool {
	sc := scanner{src: src, pos: s, end: e}
	sc.skip()
	return sc.pos >= e
}

// subParse runs parse on src[start:end] of f, with "!!" read as "!" if escaped, and
// records the errors with offsets into f.Src.
func subParse(f *File, start, end int, escaped bool, parse func(p *parser, start, end int) []Node) {
	if !escaped {
		p := f.newParser(f.Src, start, end)
		p.endName = "the ! that ends the chunk"
		parse(p, start, end)
		f.Errors = append(f.Errors, p.errs...)
		return
	}
	// Unescape into a buffer; removed[k] counts the "!" removed before buffer offset k.
	buf := make([]byte, 0, end-start)
	var removedAt []int // buffer offsets at which a "!" was removed
	for i := start; i < end; i++ {
		buf = append(buf, f.Src[i])
		if f.Src[i] == '!' && i+1 < end && f.Src[i+1] == '!' {
			i++
			removedAt = append(removedAt, len(buf))
		}
	}
	mapOffset := func(k int) int {
		n := 0
		for n < len(removedAt) && removedAt[n] <= k {
			n++
		}
		return start + k + n
	}
	p := f.newParser(buf, 0, len(buf))
	p.endName = "the ! that ends the chunk"
	nodes := parse(p, 0, len(buf))
	for _, n := range nodes {
		remap(n, mapOffset)
	}
	for _, e := range p.errs {
		e.Loc = Span{mapOffset(e.Loc.Start), mapOffset(e.Loc.End)}
		f.Errors = append(f.Errors, e)
	}
}

// methodsFor recognizes "Foo methodsFor: 'cat'" and "Foo class methodsFor: 'cat' stamp: '...'".
func methodsFor(seq *Sequence) (class string, meta bool, category string, ok bool) {
	if len(seq.Statements) != 1 {
		return "", false, "", false
	}
	s, isSend := seq.Statements[0].(*Send)
	if !isSend || !strings.HasPrefix(s.Message.Selector, "methodsFor:") || len(s.Message.Args) == 0 {
		return "", false, "", false
	}
	recv := s.Receiver
	if cs, ok := recv.(*Send); ok && cs.Message.Selector == "class" {
		meta, recv = true, cs.Receiver
	}
	v, isVar := recv.(*Variable)
	if !isVar {
		return "", false, "", false
	}
	if lit, ok := s.Message.Args[0].(*Literal); ok {
		category = lit.Value()
	}
	return v.Name, meta, category, true
}

// chunkDefinitions records the class definitions among seq's statements:
// "Object subclass: #Foo instanceVariableNames: 'a b' ...", "Trait named: #TFoo ...",
// and "Foo class instanceVariableNames: 'x'".
func chunkDefinitions(f *File, seq *Sequence) {
	for _, st := range seq.Statements {
		s, ok := st.(*Send)
		if !ok || len(s.Message.Args) == 0 {
			continue
		}
		sel := s.Message.Selector
		first, _ := s.Message.Args[0].(*Literal)
		if strings.HasPrefix(sel, "class") || !strings.HasSuffix(sel, ":") {
			continue
		}
		keyword := sel[:strings.IndexByte(sel, ':')+1]
		isClass := strings.HasSuffix(keyword, "ubclass:")
		recvName := ""
		switch r := s.Receiver.(type) {
		case *Variable:
			recvName = r.Name
		case *Literal:
			recvName = r.Text
		case *Send:
			if r.Message.Selector == "class" && keyword == "instanceVariableNames:" {
				if v, ok := r.Receiver.(*Variable); ok {
					if def := f.Class(v.Name); def != nil && first != nil {
						def.ClassInstVars = wordsOf(first)
					}
				}
			}
			continue
		}
		isTrait := recvName == "Trait" && keyword == "named:"
		if !isClass && !isTrait || first == nil || first.Kind != SymbolLit {
			continue
		}
		def := &ClassDef{Loc: s.Loc, Name: first.Value(), NameLoc: first.Loc}
		if isTrait {
			def.Kind = TraitKind
		} else {
			def.Superclass, def.SuperclassLoc = recvName, s.Receiver.Span()
		}
		for k, part := range s.Message.Parts {
			if k >= len(s.Message.Args) {
				break
			}
			lit, ok := s.Message.Args[k].(*Literal)
			if !ok {
				continue
			}
			switch string(f.Src[part.Start:part.End]) {
			case "instanceVariableNames:":
				def.InstVars = wordsOf(lit)
			case "classVariableNames:":
				def.ClassVars = wordsOf(lit)
			case "poolDictionaries:":
				def.Pools = wordsOf(lit)
			case "category:":
				def.Category = lit.Value()
			case "package:":
				def.Package = lit.Value()
			case "tag:":
				def.Tag = lit.Value()
			}
		}
		f.Classes = append(f.Classes, def)
	}
}

func wordsOf(lit *Literal) []Name {
	var out []Name
	for _, w := range strings.Fields(lit.Value()) {
		out = append(out, Name{Name: w, Loc: lit.Loc})
	}
	return out
}
