package smalltalk

import (
	"bytes"
	"strconv"
	"strings"
)

// stonValue is a value of a Tonel (STON) map: a string, symbol, number or name (Text),
// a list (List), or a nested map (Map).
type stonValue struct {
	Loc  Span
	Text string
	List []stonValue
	Map  map[string]stonValue
}

// names answers v as a list of declared names: each element of a list, or the words of a
// string ("a b c", the older form).
func (v stonValue) names() []Name {
	if v.List != nil {
		out := make([]Name, 0, len(v.List))
		for _, e := range v.List {
			out = append(out, Name{Name: SlotName(e.Text), Loc: e.Loc})
		}
		return out
	}
	var out []Name
	for _, w := range strings.Fields(v.Text) {
		out = append(out, Name{Name: w, Loc: v.Loc})
	}
	return out
}

// parseSTONMap parses "{ #key : value, ... }" with p at the "{"; it answers the map and
// the end of the closing brace.
func (p *parser) parseSTONMap() (map[string]stonValue, int) {
	open := p.tok
	m := map[string]stonValue{}
	ston := p.sc.ston
	p.sc.ston = true // for the tokens after the {, up to the }
	defer func() { p.sc.ston = ston }()
	p.next()
	lastStart := -1
	for p.tok.tok != tRBrace {
		if before := p.tok.start; before == lastStart {
			p.next() // no progress: skip the token
		}
		lastStart = p.tok.start
		if p.tok.tok == tEOF || p.tok.tok == tRBracket || p.tok.tok == tRParen {
			p.errorAt(open.start, p.tok.start, "this { is not closed: expected }, found "+p.describe(p.tok))
			return m, p.prevEnd(open.start)
		}
		p.stonSymbol()
		key := p.tok
		if key.tok != tSymbol && key.tok != tString && key.tok != tIdent {
			p.errorHere("expected a key such as #name")
			p.skipSTON()
			continue
		}
		k := stonText(p.text(key))
		p.next()
		if strings.HasSuffix(k, ":") && p.tok.tok != tColon { // #name:'Foo'
			k = k[:len(k)-1]
		} else if p.tok.tok == tColon {
			p.next()
		} else {
			p.errorHere("expected : after the key " + k)
			p.skipSTON()
			continue
		}
		m[k] = p.parseSTONValue()
		if p.is(tBinary, ",") {
			p.next()
		} else if p.tok.tok != tRBrace {
			p.errorHere("expected , or } after the value of " + k)
			p.skipSTON()
		}
	}
	end := p.tok.end
	p.sc.ston = ston // the token after the } is not STON
	p.next()
	return m, end
}

// skipSTON skips to the next "," or the closing "}" at depth zero.
func (p *parser) skipSTON() {
	depth := 0
	for p.tok.tok != tEOF {
		switch p.tok.tok {
		case tLBrace, tLBracket, tLParen, tLiteralArray, tByteArray:
			depth++
		case tRBrace, tRBracket, tRParen:
			if depth == 0 {
				return
			}
			depth--
		case tBinary:
			if depth == 0 && p.is(tBinary, ",") {
				p.next()
				return
			}
		}
		p.next()
	}
}

// stonText answers the value of a STON string or symbol literal: without # and quotes,
// with the backslash escapes undone.
func stonText(lit string) string {
	v := (&Literal{Kind: SymbolLit, Text: lit}).Value()
	if !strings.Contains(lit, "\\") {
		return v
	}
	// Value undid doubled quotes, which STON does not use: start again from the text.
	t := strings.TrimLeft(lit, "#")
	if len(t) >= 2 && t[0] == '\'' && t[len(t)-1] == '\'' {
		t = t[1 : len(t)-1]
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c != '\\' || i+1 >= len(t) {
			b.WriteByte(c)
			continue
		}
		i++
		switch t[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(t) {
				if r, err := strconv.ParseUint(t[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default: // \' \" \\ \/
			b.WriteByte(t[i])
		}
	}
	return b.String()
}

// stonSymbol extends the symbol token at p.tok over the characters STON allows in an
// unquoted symbol besides letters and digits ("-_./"): in Tonel, #Kernel-Numbers is one
// symbol, as STONReader reads it.
func (p *parser) stonSymbol() {
	t := p.tok
	if t.tok != tSymbol || p.hasPeek || t.end-t.start < 2 || p.src[t.start+1] == '\'' {
		return
	}
	end := t.end
	for end < p.sc.end {
		if n := letterAt(p.src, end, true); n > 0 {
			end += n
			continue
		}
		if c := p.src[end]; c == '-' || c == '_' || c == '.' || c == '/' {
			end++
			continue
		}
		break
	}
	if end > t.end {
		p.tok.end, p.sc.pos = end, end
	}
}

func (p *parser) parseSTONValue() stonValue {
	p.stonSymbol()
	t := p.tok
	switch t.tok {
	case tString, tSymbol:
		p.next()
		return stonValue{Loc: Span{t.start, t.end}, Text: stonText(p.text(t))}
	case tNumber, tIdent, tCharacter:
		p.next()
		return stonValue{Loc: Span{t.start, t.end}, Text: p.text(t)}
	case tLBracket:
		p.next()
		v := stonValue{Loc: Span{t.start, t.end}, List: []stonValue{}}
		for p.tok.tok != tRBracket && !isCloser(p.tok.tok) {
			before := p.tok.start
			v.List = append(v.List, p.parseSTONValue())
			if p.tok.start == before && !isCloser(p.tok.tok) { // no progress: skip the token
				p.next()
			}
			if p.is(tBinary, ",") {
				p.next()
			} else if p.tok.tok != tRBracket {
				p.errorHere("expected , or ] in a list")
				p.skipSTON()
			}
		}
		if p.tok.tok == tRBracket {
			v.Loc.End = p.tok.end
			p.next()
		} else {
			p.errorHere("this [ is not closed: expected ]")
		}
		return v
	case tLBrace:
		m, end := p.parseSTONMap()
		return stonValue{Loc: Span{t.start, end}, Map: m}
	}
	p.errorHere("expected a value: a string, a symbol, a list [ ] or a map { }")
	p.skipSTON()
	return stonValue{Loc: Span{t.start, t.start}}
}

// parseTonel parses a Tonel file: an optional class comment, a definition, then methods,
// each an optional metadata map and "Class [class] >> pattern [ body ]".
func parseTonel(f *File) {
	src := f.Src
	var def *ClassDef
	i := bomLen(src)
	for i < len(src) && isSeparator(src[i]) {
		i++
	}
	commentLoc := Span{i, i}
	comment := ""
	if i < len(src) && src[i] == '"' {
		s := scanner{src: src, end: len(src)}
		end := s.commentEnd(i)
		if end > len(src) {
			f.Errors = append(f.Errors, Error{Loc: Span{i, i + 1}, Msg: "the class comment opened here is not closed with \""})
			end = len(src)
		}
		commentLoc = Span{i, end}
		comment = strings.ReplaceAll(string(src[i+1:max(i+1, end-1)]), `""`, `"`)
		i = end
	}
	i = skipCommentAndSpace(src, i)
	if brace := defAt(src, i); brace >= 0 {
		p := f.newParser(src, brace, len(src))
		props, end := p.parseSTONMap()
		f.Errors = append(f.Errors, p.errs...)
		def = classFromSTON(src, Span{i, end}, props)
		def.Comment, def.CommentLoc = comment, commentLoc
		if commentLoc.Len() > 0 {
			def.Loc.Start = commentLoc.Start
		}
		f.Classes = append(f.Classes, def)
		i = end
	} else if i < len(src) {
		f.Errors = append(f.Errors, Error{Loc: Span{i, lineEnd(src, i)}, Msg: "expected a Tonel definition such as Class { #name : 'Foo' } (or Trait, Extension, Package)"})
	}
	for {
		i = skipCommentAndSpace(src, i)
		if i >= len(src) {
			break
		}
		m, next := parseTonelMethod(f, def, i)
		if m != nil {
			f.Methods = append(f.Methods, m)
		}
		i = next
	}
	for _, m := range f.Methods {
		resolveMethod(m, def)
	}
}

func lineEnd(src []byte, i int) int {
	for i < len(src) && src[i] != '\n' && src[i] != '\r' {
		i++
	}
	return i
}

// nextHeader answers the start of the next line at or after i that starts a method
// definition, or len(src).
func nextHeader(src []byte, i int) int {
	for i < len(src) {
		j := bytes.IndexAny(src[i:], "\r\n")
		if j < 0 {
			return len(src)
		}
		i += j + 1
		if i < len(src) && src[i] == '\n' {
			i++
		}
		if headerAt(src, i) {
			return i
		}
	}
	return len(src)
}

// headerAt reports whether a method definition starts at src[i]: "{ #" (its metadata)
// or "Name >>", "Name class >>", "Name classSide >>". Tonel reads the metadata up to the
// matching }, so a map that spans lines or is empty ("{ }") counts when a "Name >>"
// follows it.
func headerAt(src []byte, i int) bool {
	if i >= len(src) {
		return false
	}
	if src[i] == '{' {
		j := i + 1
		for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
			j++
		}
		if j < len(src) && src[j] == '#' {
			return true
		}
		end := stonMapEnd(src, i)
		if end < 0 {
			return false
		}
		for end < len(src) && isSeparator(src[end]) {
			end++
		}
		return end < len(src) && src[end] != '{' && headerAt(src, end)
	}
	j := i
	for words := 0; words < 2; words++ {
		k := j
		for k < len(src) && letterAt(src, k, true) > 0 {
			k += letterAt(src, k, true)
		}
		if k == j {
			return false
		}
		if words == 1 {
			w := string(src[j:k])
			if w != "class" && w != "classSide" {
				return false
			}
		}
		for k < len(src) && (src[k] == ' ' || src[k] == '\t') {
			k++
		}
		if k+1 < len(src) && src[k] == '>' && src[k+1] == '>' {
			return true
		}
		j = k
	}
	return false
}

// stonMapEnd answers the offset after the } that closes the STON map whose { is at
// src[i], or -1 if it is not closed within a few kilobytes (metadata maps are short).
func stonMapEnd(src []byte, i int) int {
	depth := 0
	for k := i; k < len(src) && k < i+4096; k++ {
		switch src[k] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return k + 1
			}
		case '\'':
			for k++; k < len(src) && src[k] != '\''; k++ {
				if src[k] == '\\' {
					k++
				}
			}
		}
	}
	return -1
}

func classFromSTON(src []byte, loc Span, props map[string]stonValue) *ClassDef {
	def := &ClassDef{Loc: loc}
	switch {
	case bytes.HasPrefix(src[loc.Start:], []byte("Trait")):
		def.Kind = TraitKind
	case bytes.HasPrefix(src[loc.Start:], []byte("Extension")):
		def.Kind = ExtensionKind
	case bytes.HasPrefix(src[loc.Start:], []byte("Package")):
		def.Kind = PackageKind
	}
	def.Name, def.NameLoc = props["name"].Text, nameLoc(src, props["name"].Loc)
	def.Superclass, def.SuperclassLoc = props["superclass"].Text, nameLoc(src, props["superclass"].Loc)
	def.InstVars = props["instVars"].names()
	def.ClassVars = props["classVars"].names()
	def.ClassInstVars = props["classInstVars"].names()
	def.Pools = props["pools"].names()
	if v, ok := props["sharedPools"]; ok {
		def.Pools = append(def.Pools, v.names()...)
	}
	def.Traits = props["traits"].Text
	def.ClassTraits = props["classTraits"].Text
	def.Category = props["category"].Text
	def.Package = props["package"].Text
	def.Tag = props["tag"].Text
	def.Type = props["type"].Text
	return def
}

// parseTonelMethod parses the method definition at src[i] and answers it (nil if there is
// none) and the offset after it.
func parseTonelMethod(f *File, def *ClassDef, i int) (*Method, int) {
	src := f.Src
	m := &Method{Loc: Span{i, i}, Extended: def != nil && def.Kind == ExtensionKind}
	p := f.newParser(src, i, len(src))
	fail := func(msg string) (*Method, int) {
		if msg != "" {
			p.errorHere(msg)
		}
		f.Errors = append(f.Errors, p.errs...)
		return nil, nextHeader(src, i)
	}
	if p.tok.tok == tLBrace {
		props, _ := p.parseSTONMap()
		m.Category = props["category"].Text
		if len(p.errs) > 0 {
			return fail("")
		}
	}
	m.Header.Start = p.tok.start
	if p.tok.tok != tIdent {
		return fail("expected a method definition such as Foo >> bar [ ... ]")
	}
	m.Class = p.text(p.tok)
	p.next()
	if p.tok.tok == tIdent && (p.text(p.tok) == "class" || p.text(p.tok) == "classSide") {
		m.Meta = true
		p.next()
	}
	if !p.is(tBinary, ">>") {
		return fail("expected >> after the class name " + m.Class)
	}
	p.next()
	if p.tok.tok == tSymbol { // Foo >> #bar
		t := p.tok
		m.Selector = (&Literal{Kind: SymbolLit, Text: p.text(t)}).Value()
		m.Parts = []Span{{t.start, t.end}}
		p.next()
	} else if !p.parsePattern(m) {
		return fail("")
	}
	if p.tok.tok != tLBracket {
		return fail("expected [ to open the body of " + m.Selector)
	}
	open := p.tok
	m.Header.End = p.prevEnd(m.Header.Start)
	f.Errors = append(f.Errors, p.errs...)
	p.errs = nil
	// Fast path: parse the body up to the first closer; if it parsed cleanly and the
	// closer is a ], that is the end of the body.
	q := f.newParser(src, open.end, len(src))
	q.parseMethodBody(m, open.end)
	if len(q.errs) == 0 && q.tok.tok == tRBracket {
		m.Body.Loc = Span{open.end, q.tok.start}
		m.BodyLoc = m.Body.Loc
		m.Loc.End = q.tok.end
		if j := skipCommentAndSpace(src, q.tok.end); j >= len(src) || headerAt(src, j) {
			return m, q.tok.end
		}
	}
	m.Pragmas, m.Body = nil, nil
	bodyEnd, closed := matchBody(src, open.end)
	m.BodyLoc = Span{open.end, bodyEnd}
	m.Loc.End = bodyEnd
	next := bodyEnd
	if closed {
		m.Loc.End = bodyEnd + 1
		next = bodyEnd + 1
	} else {
		p.errorAt(open.start, open.end, "the body of "+m.Selector+" is not closed with ]")
	}
	f.Errors = append(f.Errors, p.errs...)
	parseBody(f, m, open.end, bodyEnd)
	// Anything but a new definition after the closing bracket is out of place.
	if j := skipCommentAndSpace(src, next); j < len(src) && !headerAt(src, j) {
		if closed && headerAt(src, lineStart(src, j)) {
			return m, next
		}
		h := nextHeader(src, j)
		f.Errors = append(f.Errors, Error{Loc: Span{j, min(lineEnd(src, j), h)}, Msg: "unexpected text after the method " + m.Selector + ": expected another method definition (is there an extra ] in the method?)"})
		next = h
	}
	return m, next
}

func lineStart(src []byte, i int) int {
	for i > 0 && src[i-1] != '\n' && src[i-1] != '\r' {
		i--
	}
	return i
}

// parseBody parses the method body in src[start:end].
func parseBody(f *File, m *Method, start, end int) {
	p := f.newParser(f.Src, start, end)
	p.endName = "the ] that ends the method"
	p.parseMethodBody(m, start)
	for p.tok.tok != tEOF {
		p.errorHere("unexpected " + p.text(p.tok) + " in the body of " + m.Selector)
		p.recovering = false
		p.next()
		p.parseStatements(m.Body)
	}
	m.Body.Loc = Span{start, end}
	f.Errors = append(f.Errors, p.errs...)
}

// matchBody answers the offset of the "]" that closes a method body starting at src[i],
// and true; or, when the body is not closed, where it should end and false. A line that
// starts a new method definition ends an unclosed body.
func matchBody(src []byte, i int) (int, bool) {
	s := scanner{src: src, pos: i, end: len(src)}
	unterminated := -1 // where an unterminated string or comment starts
	s.errf = func(start, end int, _ string) {
		if unterminated < 0 && end >= len(src) {
			unterminated = start
		}
	}
	depth := 1
	arrays := 0 // the parentheses open in a literal array, where Tonel ignores brackets
	for {
		t := s.next()
		if unterminated >= 0 {
			// An unterminated string or comment runs to the end of the file: end the
			// body before the next method definition instead.
			if h := nextHeader(src, unterminated); h < len(src) || t.tok == tEOF {
				return fallbackEnd(src, i, h)
			}
			unterminated = -1
		}
		switch t.tok {
		case tLiteralArray:
			arrays++
		case tLParen:
			if arrays > 0 {
				arrays++
			}
		case tRParen:
			if arrays > 0 {
				arrays--
			}
		case tLBracket, tByteArray:
			if arrays == 0 {
				depth++
			}
		case tRBracket:
			if arrays > 0 {
				break
			}
			depth--
			if depth == 0 {
				return t.start, true
			}
		case tEOF:
			return fallbackEnd(src, i, len(src))
		}
		if depth >= 1 && t.start > 0 && (src[t.start-1] == '\n' || src[t.start-1] == '\r') && headerAt(src, t.start) {
			return fallbackEnd(src, i, t.start)
		}
	}
}

// fallbackEnd answers the end of an unclosed method body between start and limit: the
// "]" of the last non-blank line before limit if that line holds only "]", else limit.
func fallbackEnd(src []byte, start, limit int) (int, bool) {
	j := limit
	for j > start && isSeparator(src[j-1]) {
		j--
	}
	if j > start && src[j-1] == ']' {
		ls := lineStart(src, j-1)
		if ls > start && len(bytes.TrimSpace(src[ls:j])) == 1 {
			return j - 1, true
		}
	}
	return limit, false
}

// nameLoc answers the range of the name in a symbol or string literal: without # and quotes.
func nameLoc(src []byte, s Span) Span {
	if s.Len() > 0 && src[s.Start] == '#' {
		s.Start++
	}
	if s.Len() >= 2 && src[s.Start] == '\'' && src[s.End-1] == '\'' {
		s.Start, s.End = s.Start+1, s.End-1
	}
	return s
}

// SlotName answers the variable name of an instance variable declaration, which is the
// name itself or, for a slot, "#name => SlotClass ...".
func SlotName(decl string) string {
	decl = strings.TrimSpace(decl)
	decl = strings.TrimPrefix(decl, "#")
	if i := strings.IndexAny(decl, " \t=>"); i >= 0 {
		decl = decl[:i]
	}
	return decl
}
