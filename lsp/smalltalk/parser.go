package smalltalk

import "strings"

// Error is a syntax error: where it is and what is wrong, in words a person understands.
type Error struct {
	Loc Span
	Msg string
}

func (e Error) Error() string { return e.Msg }

// parser parses Smalltalk code in src[start:end] with one token of look-ahead.
type parser struct {
	src  []byte
	sc   scanner
	tok  token
	peek token // valid if hasPeek
	// hasPeek reports that peek holds the token after tok.
	hasPeek bool
	errs    []Error
	// recovering suppresses errors until the parser is back in step.
	recovering bool
	// lastEnd is the end of the last token consumed.
	lastEnd int
	// arena allocates nodes and interns names; it may be shared by the parsers of a file.
	arena *arena
	// endName names the end of the parsed range in messages, e.g. "the end of the
	// method"; "" means the end of input.
	endName string
}

func newParser(src []byte, start, end int) *parser {
	p := &parser{src: src, arena: &arena{names: map[string]string{}}}
	p.sc = scanner{src: src, pos: start, end: end}
	p.sc.errf = func(s, e int, msg string) { p.errorAt(s, e, msg) }
	p.tok = token{tEOF, start, start} // so that lastEnd starts at start
	p.next()
	return p
}

func (p *parser) next() {
	p.lastEnd = p.tok.end
	if p.hasPeek {
		p.tok, p.hasPeek = p.peek, false
		return
	}
	p.tok = p.sc.next()
}

func (p *parser) lookahead() token {
	if !p.hasPeek {
		p.peek, p.hasPeek = p.sc.next(), true
	}
	return p.peek
}

func (p *parser) text(t token) string { return p.intern(p.src[t.start:t.end]) }

// intern answers b as a string, shared with earlier equal strings of the file.
func (p *parser) intern(b []byte) string {
	if s, ok := p.arena.names[string(b)]; ok {
		return s
	}
	s := string(b)
	p.arena.names[s] = s
	return s
}

func (p *parser) is(t tokenKind, s string) bool {
	return p.tok.tok == t && string(p.src[p.tok.start:p.tok.end]) == s
}

func (p *parser) errorAt(start, end int, msg string) {
	if p.recovering {
		return
	}
	if end <= start {
		end = start
	}
	p.errs = append(p.errs, Error{Loc: Span{start, end}, Msg: msg})
}

// errorHere reports msg at the current token, naming what was found.
func (p *parser) errorHere(msg string) {
	if p.tok.tok == tIllegal { // the scanner said what is wrong with it
		p.recovering = true
		return
	}
	p.errorAt(p.tok.start, p.tok.end, msg+", found "+p.describe(p.tok))
	p.recovering = true
}

func (p *parser) describe(t token) string {
	switch t.tok {
	case tEOF:
		if p.endName != "" {
			return p.endName
		}
		return "end of input"
	case tIllegal:
		return "an illegal character"
	}
	s := p.text(t)
	if len(s) > 30 {
		s = s[:27] + "..."
	}
	switch t.tok {
	case tIdent, tKeyword, tBinary, tNumber, tString, tSymbol, tCharacter:
		return t.tok.String() + " " + s
	}
	return "'" + s + "'"
}

// isCloser reports whether t closes a construct; recovery never skips past one of these
// at depth zero.
func isCloser(t tokenKind) bool {
	return t == tRParen || t == tRBracket || t == tRBrace || t == tEOF
}

// skipStatement skips tokens to the end of the current statement: a period or a closer at
// bracket depth zero. It always makes progress unless at a closer.
func (p *parser) skipStatement() {
	depth := 0
	for {
		switch p.tok.tok {
		case tEOF:
			return
		case tLParen, tLBracket, tLBrace, tLiteralArray, tByteArray:
			depth++
		case tRParen, tRBracket, tRBrace:
			if depth == 0 {
				return
			}
			depth--
		case tPeriod:
			if depth == 0 {
				return
			}
		}
		p.next()
	}
}

// parseSequence parses temporaries (if temps) and statements up to a closer, which it
// does not consume.
func (p *parser) parseSequence(start int, temps bool) *Sequence {
	seq := &Sequence{Loc: Span{start, start}}
	if temps {
		seq.Temps = p.parseTemps()
	}
	p.parseStatements(seq)
	return seq
}

// parseStatements parses statements into seq up to a closer, which it does not consume.
// After a statement that does not end where it should, it reports one error and resumes
// after the next period.
func (p *parser) parseStatements(seq *Sequence) {
	for {
		for p.tok.tok == tPeriod {
			p.next()
		}
		if isCloser(p.tok.tok) {
			break
		}
		before := p.tok.start
		if p.is(tBinary, "|") || p.is(tBinary, "||") {
			// No statement starts with a binary selector: these are temporaries, written
			// after statements (playgrounds accept them) or twice. Read them so that the
			// rest parses.
			seq.Temps = append(seq.Temps, p.parseTemps()...)
			continue
		}
		st := p.parseStatement()
		seq.Statements = append(seq.Statements, st)
		if p.tok.tok == tPeriod || isCloser(p.tok.tok) {
			p.recovering = false
			continue
		}
		if !p.recovering {
			p.errorHere("expected a period or the end of the statements")
		}
		s := p.tok.start
		p.skipStatement()
		if p.tok.start == before { // no progress: give up on this token
			p.next()
		}
		bad := &BadExpr{Loc: Span{s, p.prevEnd(s)}}
		seq.Statements = append(seq.Statements, bad)
		p.recovering = false
	}
}

// prevEnd answers the end of the last consumed token, at least s.
func (p *parser) prevEnd(s int) int {
	return max(p.lastEnd, s)
}

// atBar reports whether the token is a binary selector starting with |, which opens or
// closes temporaries or ends block arguments: Pharo reads its first | alone (stepBar), so
// "||" is an empty list of temporaries and "[:a|||a]" the arguments' bar and one.
func (p *parser) atBar() bool {
	return p.tok.tok == tBinary && p.src[p.tok.start] == '|'
}

// stepBar consumes the first | of the token; the rest of a longer binary token, if any,
// stays the current token.
func (p *parser) stepBar() {
	if p.tok.end-p.tok.start > 1 {
		p.tok.start++
		p.lastEnd = p.tok.start
		return
	}
	p.next()
}

// parseTemps parses "| a b |" or "||" if present.
func (p *parser) parseTemps() []*Variable {
	if !p.atBar() {
		return nil
	}
	open := p.tok
	p.stepBar()
	temps := []*Variable{}
	for p.tok.tok == tIdent {
		temps = append(temps, p.newVariable(Variable{Loc: Span{p.tok.start, p.tok.end}, Name: p.text(p.tok), Kind: Temporary}))
		p.next()
	}
	if p.atBar() {
		p.stepBar()
	} else {
		p.errorAt(open.start, p.tok.start, "temporaries opened with | are not closed with |; found "+p.describe(p.tok))
		p.recovering = true
	}
	return temps
}

func (p *parser) parseStatement() Expr {
	if p.tok.tok == tCaret {
		start := p.tok.start
		p.next()
		v := p.parseExpression()
		return &Return{Loc: Span{start, v.Span().End}, Value: v}
	}
	return p.parseExpression()
}

func (p *parser) parseExpression() Expr {
	if p.tok.tok == tIdent && p.lookahead().tok == tAssign {
		v := p.newVariable(Variable{Loc: Span{p.tok.start, p.tok.end}, Name: p.text(p.tok)})
		p.next()
		p.next()
		val := p.parseExpression()
		return &Assignment{Loc: Span{v.Loc.Start, val.Span().End}, Var: v, Value: val}
	}
	recv := p.parsePrimary()
	if _, bad := recv.(*BadExpr); bad {
		return recv
	}
	e := p.parseKeywordSend(recv)
	if p.tok.tok != tSemicolon {
		return e
	}
	send, ok := e.(*Send)
	if !ok {
		p.errorHere("a cascade (;) must follow a message send")
		return e
	}
	c := &Cascade{Loc: Span{send.Receiver.Span().Start, send.Loc.End}, Receiver: send.Receiver, Messages: []*Message{send.Message}}
	for p.tok.tok == tSemicolon {
		p.next()
		msgs := p.parseCascadePart()
		if len(msgs) == 0 {
			p.errorHere("expected a message after ;")
			break
		}
		c.Messages = append(c.Messages, msgs...)
		c.Loc.End = msgs[len(msgs)-1].Loc.End
	}
	return c
}

// parseCascadePart parses the messages after a ';'. The first goes to the cascade's
// receiver; any more (as in "; add: 1; yourself size") are sent to the result of the one
// before and marked Chained.
func (p *parser) parseCascadePart() []*Message {
	var msgs []*Message
	add := func(m *Message) {
		if len(msgs) > 0 {
			m.Chained = true
		}
		msgs = append(msgs, m)
	}
	for p.tok.tok == tIdent {
		add(p.unaryMessage())
	}
	for p.isBinaryOp() {
		add(p.binaryMessage())
	}
	if p.tok.tok == tKeyword {
		add(p.keywordMessage())
	}
	return msgs
}

func (p *parser) isBinaryOp() bool {
	return p.tok.tok == tBinary || p.tok.tok == tNumber && p.src[p.tok.start] == '-'
}

func (p *parser) unaryMessage() *Message {
	t := p.tok
	p.next()
	return p.newMessage(Message{Loc: Span{t.start, t.end}, Selector: p.text(t), Parts: p.span1(Span{t.start, t.end})})
}

func (p *parser) binaryMessage() *Message {
	t := p.tok
	if t.tok == tNumber { // "x-1": a negative literal after an operand is a subtraction
		t = token{tBinary, t.start, t.start + 1}
		p.tok.start++
	} else {
		p.next()
	}
	m := p.newMessage(Message{Loc: Span{t.start, t.end}, Selector: p.text(t), Parts: p.span1(Span{t.start, t.end})})
	arg := p.parsePrimary()
	if _, bad := arg.(*BadExpr); !bad {
		arg = p.parseUnarySends(arg)
	}
	m.Args = []Expr{arg}
	m.Loc.End = max(m.Loc.End, arg.Span().End)
	return m
}

func (p *parser) keywordMessage() *Message {
	m := p.newMessage(Message{Loc: Span{p.tok.start, p.tok.end}})
	var sel strings.Builder
	for p.tok.tok == tKeyword {
		t := p.tok
		sel.WriteString(p.text(t))
		m.Parts = append(m.Parts, Span{t.start, t.end})
		p.next()
		arg := p.parsePrimary()
		if _, bad := arg.(*BadExpr); !bad {
			arg = p.parseBinarySends(p.parseUnarySends(arg))
		}
		m.Args = append(m.Args, arg)
		m.Loc.End = max(t.end, arg.Span().End)
	}
	m.Selector = sel.String()
	return m
}

func (p *parser) parseUnarySends(recv Expr) Expr {
	for p.tok.tok == tIdent {
		m := p.unaryMessage()
		recv = p.newSend(Send{Loc: Span{recv.Span().Start, m.Loc.End}, Receiver: recv, Message: m})
	}
	return recv
}

func (p *parser) parseBinarySends(recv Expr) Expr {
	for p.isBinaryOp() {
		m := p.binaryMessage()
		recv = p.newSend(Send{Loc: Span{recv.Span().Start, m.Loc.End}, Receiver: recv, Message: m})
	}
	return recv
}

func (p *parser) parseKeywordSend(recv Expr) Expr {
	recv = p.parseBinarySends(p.parseUnarySends(recv))
	if p.tok.tok == tKeyword {
		m := p.keywordMessage()
		recv = p.newSend(Send{Loc: Span{recv.Span().Start, m.Loc.End}, Receiver: recv, Message: m})
	}
	return recv
}

// parsePrimary parses a variable, a literal, a block, a parenthesized expression or a
// dynamic array. On anything else it reports an error and answers an empty BadExpr
// without consuming the token.
func (p *parser) parsePrimary() Expr {
	t := p.tok
	switch t.tok {
	case tIdent:
		p.next()
		return p.identifier(t)
	case tNumber:
		p.next()
		return p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: NumberLit, Text: p.text(t)})
	case tString:
		p.next()
		return p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: StringLit, Text: string(p.src[t.start:t.end])})
	case tSymbol:
		p.next()
		return p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: SymbolLit, Text: p.text(t)})
	case tCharacter:
		p.next()
		return p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: CharacterLit, Text: p.text(t)})
	case tLiteralArray, tByteArray:
		p.next()
		return p.parseLiteralArray(t)
	case tLBracket:
		return p.parseBlock()
	case tLParen:
		p.next()
		e := p.parseExpression()
		if p.tok.tok == tRParen {
			end := p.tok.end
			p.next()
			return &Paren{Loc: Span{t.start, end}, X: e}
		}
		if !p.recovering {
			p.errorAt(t.start, p.tok.start, "this ( is not closed: expected ), found "+p.describe(p.tok))
			p.recovering = true
		}
		return &Paren{Loc: Span{t.start, max(e.Span().End, t.end)}, X: e}
	case tLBrace:
		p.next()
		seq := p.parseSequence(t.end, false)
		arr := &DynamicArray{Loc: Span{t.start, p.tok.end}, Elements: seq.Statements}
		if p.tok.tok == tRBrace {
			p.next()
		} else {
			p.errorAt(t.start, p.tok.start, "this { is not closed: expected }, found "+p.describe(p.tok))
			arr.Loc.End = p.prevEnd(t.start)
			p.recovering = true
		}
		return arr
	case tBinary:
		// Pharo 13 reads a lone @ where an expression starts as an annotation mark, the
		// receiver of a message that compiler plugins handle: @foo, @meaning: 42.
		if p.src[t.start] == '@' && t.end-t.start == 1 {
			p.next()
			return p.newVariable(Variable{Loc: Span{t.start, t.end}, Name: "@", Kind: Pseudo})
		}
	}
	p.errorHere("expected an expression")
	return &BadExpr{Loc: Span{p.lastEnd, p.lastEnd}} // right after what came before
}

func (p *parser) identifier(t token) Expr {
	name := p.text(t)
	switch name {
	case "true":
		return p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: TrueLit, Text: name})
	case "false":
		return p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: FalseLit, Text: name})
	case "nil":
		return p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: NilLit, Text: name})
	}
	return p.newVariable(Variable{Loc: Span{t.start, t.end}, Name: name})
}

// parseLiteralArray parses the elements of #( ... ) or #[ ... ] after the opener t.
func (p *parser) parseLiteralArray(open token) *LiteralArray {
	bytes := open.tok == tByteArray
	closer := tRParen
	if bytes {
		closer = tRBracket
	}
	arr := &LiteralArray{Loc: Span{open.start, open.end}, Bytes: bytes}
	for p.tok.tok != closer {
		t := p.tok
		if !bytes && (t.tok == tLBracket || t.tok == tRBracket) {
			// Pharo reads [ and ] inside #( ) as the symbols #'[' and #']' (as in
			// "#(char name[16])"), matched or not; Tonel skips literal arrays whole
			// when it looks for the end of a method.
			p.next()
			arr.Elements = append(arr.Elements, p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: SymbolLit, Text: p.text(t)}))
			continue
		}
		if t.tok == tEOF || (t.tok == tRParen || t.tok == tRBracket) {
			p.errorAt(open.start, t.start, "this "+p.text(open)+" is not closed: expected "+closer.String()+", found "+p.describe(t))
			p.recovering = true
			arr.Loc.End = p.prevEnd(open.start)
			return arr
		}
		if bytes {
			if t.tok != tNumber || !isByte(p.text(t)) {
				p.errorAt(t.start, t.end, "a byte array holds integers from 0 to 255, found "+p.describe(t))
			}
			arr.Elements = append(arr.Elements, p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: NumberLit, Text: p.text(t)}))
			p.next()
			continue
		}
		var e Expr
		switch t.tok {
		case tLParen, tLiteralArray, tByteArray:
			p.next()
			e = p.parseLiteralArray(t)
		case tIdent:
			p.next()
			e = p.identifier(t)
			if v, ok := e.(*Variable); ok {
				e = p.newLiteral(Literal{Loc: v.Loc, Kind: SymbolLit, Text: v.Name})
			}
		case tKeyword:
			// foo:bar: written without spaces is one symbol
			end := t.end
			p.next()
			for p.tok.tok == tKeyword && p.tok.start == end {
				end = p.tok.end
				p.next()
			}
			e = p.newLiteral(Literal{Loc: Span{t.start, end}, Kind: SymbolLit, Text: string(p.src[t.start:end])})
		case tNumber:
			p.next()
			e = p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: NumberLit, Text: p.text(t)})
		case tString:
			p.next()
			e = p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: StringLit, Text: string(p.src[t.start:t.end])})
		case tCharacter:
			p.next()
			e = p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: CharacterLit, Text: p.text(t)})
		case tIllegal:
			p.next()
			e = &BadExpr{Loc: Span{t.start, t.end}}
		default: // symbols, binary selectors and the other punctuation read as symbols
			p.next()
			e = p.newLiteral(Literal{Loc: Span{t.start, t.end}, Kind: SymbolLit, Text: p.text(t)})
		}
		arr.Elements = append(arr.Elements, e)
	}
	arr.Loc.End = p.tok.end
	p.next()
	return arr
}

// isByte reports whether the number literal s is an integer from 0 to 255, in any radix
// and with any exponent ("255", "16rFF", "2r1e4").
func isByte(s string) bool {
	base, i := 10, 0
	n := 0
	for i < len(s) && isDigit(s[i]) {
		n = n*10 + int(s[i]-'0')
		if n > 255 {
			n = 256 // keep reading the digits; the radix check below fails
		}
		i++
	}
	if i < len(s) && s[i] == 'r' {
		if n < 2 || n > 36 {
			return false
		}
		base, n, i = n, 0, i+1
		if i < len(s) && s[i] == '-' {
			return false
		}
		start := i
		for i < len(s) && digitValue(s[i]) < base {
			n = n*base + digitValue(s[i])
			if n > 255 {
				return false
			}
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && s[i] == 'e' {
		exp := 0
		for i++; i < len(s) && isDigit(s[i]); i++ {
			exp = exp*10 + int(s[i]-'0')
			if exp > 8 {
				return n == 0
			}
		}
		for ; exp > 0; exp-- {
			n *= base
		}
	}
	return i == len(s) && n <= 255
}

// parseBlock parses [ :a :b | | t | statements ].
func (p *parser) parseBlock() Expr {
	open := p.tok
	p.next()
	b := &Block{Loc: Span{open.start, open.end}}
	if p.tok.tok == tColon {
		for p.tok.tok == tColon {
			p.next()
			if p.tok.tok != tIdent {
				p.errorHere("expected a block argument name after :")
				break
			}
			b.Params = append(b.Params, p.newVariable(Variable{Loc: Span{p.tok.start, p.tok.end}, Name: p.text(p.tok), Kind: Argument}))
			p.next()
		}
		switch {
		case p.atBar(): // also [:a || t | ...]: the arguments' bar and the temporaries' opener
			p.stepBar()
		case p.tok.tok == tRBracket:
		default:
			if !p.recovering {
				p.errorHere("expected | after the block arguments")
			}
		}
	}
	b.Body = p.parseSequence(p.tok.start, true)
	if p.tok.tok == tRBracket {
		b.Loc.End = p.tok.end
		b.Body.Loc = Span{open.end, p.tok.start}
		p.next()
		return b
	}
	if !p.recovering {
		p.errorAt(open.start, p.tok.start, "this [ is not closed: expected ], found "+p.describe(p.tok))
		p.recovering = true
	}
	b.Loc.End = p.prevEnd(open.start)
	b.Body.Loc = Span{open.end, b.Loc.End}
	return b
}

// parsePattern parses a method's selector and arguments.
func (p *parser) parsePattern(m *Method) bool {
	switch p.tok.tok {
	case tIdent:
		m.Selector = p.text(p.tok)
		m.Parts = p.span1(Span{p.tok.start, p.tok.end})
		p.next()
	case tBinary:
		m.Selector = p.text(p.tok)
		m.Parts = p.span1(Span{p.tok.start, p.tok.end})
		p.next()
		if !p.param(m) {
			return false
		}
	case tKeyword:
		var sel strings.Builder
		for p.tok.tok == tKeyword {
			sel.WriteString(p.text(p.tok))
			m.Parts = append(m.Parts, Span{p.tok.start, p.tok.end})
			p.next()
			if !p.param(m) {
				m.Selector = sel.String()
				return false
			}
		}
		m.Selector = sel.String()
	default:
		p.errorHere("expected a method selector (unary, binary or keywords)")
		return false
	}
	return true
}

func (p *parser) param(m *Method) bool {
	if p.tok.tok != tIdent {
		p.errorHere("expected an argument name")
		return false
	}
	m.Params = append(m.Params, p.newVariable(Variable{Loc: Span{p.tok.start, p.tok.end}, Name: p.text(p.tok), Kind: Argument}))
	p.next()
	return true
}

// parseMethodBody parses pragmas, temporaries and statements up to a closer.
func (p *parser) parseMethodBody(m *Method, start int) {
	seq := &Sequence{Loc: Span{start, start}}
	for {
		if p.tok.tok == tBinary && p.src[p.tok.start] == '<' {
			if pr := p.parsePragma(); pr != nil {
				m.Pragmas = append(m.Pragmas, pr)
			}
			continue
		}
		if p.atBar() {
			seq.Temps = append(seq.Temps, p.parseTemps()...)
			if seq.Temps == nil {
				seq.Temps = []*Variable{}
			}
			continue
		}
		break
	}
	p.parseStatements(seq)
	m.Body = seq
}

// parsePragma parses <selector args>. The opening < may be glued to a binary selector.
func (p *parser) parsePragma() *Pragma {
	open := p.tok
	pr := &Pragma{Loc: Span{open.start, open.end}}
	if open.end-open.start > 1 { // "<=" of "<= 3>": a binary pragma
		p.tok.start++
	} else {
		p.next()
	}
	arg := func() bool {
		t := p.tok
		switch t.tok {
		case tNumber, tString, tSymbol, tCharacter, tLiteralArray, tByteArray, tIdent:
			e := p.parsePrimary()
			if v, ok := e.(*Variable); ok {
				v.Kind = Temporary
				v.Decl = v
			}
			pr.Args = append(pr.Args, e)
			return true
		}
		p.errorHere("expected a literal as pragma argument")
		return false
	}
	switch p.tok.tok {
	case tIdent:
		pr.Selector = p.text(p.tok)
		pr.Parts = p.span1(Span{p.tok.start, p.tok.end})
		p.next()
	case tBinary:
		pr.Selector = p.text(p.tok)
		pr.Parts = p.span1(Span{p.tok.start, p.tok.end})
		p.next()
		arg()
	case tKeyword:
		var sel strings.Builder
		for p.tok.tok == tKeyword {
			sel.WriteString(p.text(p.tok))
			pr.Parts = append(pr.Parts, Span{p.tok.start, p.tok.end})
			p.next()
			if !arg() {
				break
			}
		}
		pr.Selector = sel.String()
	default:
		p.errorHere("expected a pragma selector after <")
	}
	if p.is(tBinary, ">") {
		pr.Loc.End = p.tok.end
		p.next()
		p.recovering = false
		return pr
	}
	if !p.recovering {
		p.errorAt(open.start, p.tok.start, "this pragma is not closed: expected >, found "+p.describe(p.tok))
	}
	// skip to the > or the end of the line
	for p.tok.tok != tEOF && !isCloser(p.tok.tok) && !p.is(tBinary, ">") {
		p.next()
	}
	if p.is(tBinary, ">") {
		p.next()
	}
	pr.Loc.End = p.prevEnd(open.start)
	p.recovering = false
	return pr
}

// arena allocates the nodes of one file in blocks, to parse with fewer allocations.
type arena struct {
	names    map[string]string
	vars     []Variable
	lits     []Literal
	sends    []Send
	messages []Message
	spans    []Span
}

const arenaBlock = 256

// alloc answers a pointer to a copy of v, taken from the arena block *pool.
func alloc[T any](pool *[]T, v T) *T {
	if len(*pool) == 0 {
		*pool = make([]T, arenaBlock)
	}
	x := &(*pool)[0]
	*pool = (*pool)[1:]
	*x = v
	return x
}

func (p *parser) newVariable(v Variable) *Variable { return alloc(&p.arena.vars, v) }
func (p *parser) newLiteral(v Literal) *Literal    { return alloc(&p.arena.lits, v) }
func (p *parser) newSend(v Send) *Send             { return alloc(&p.arena.sends, v) }
func (p *parser) newMessage(v Message) *Message    { return alloc(&p.arena.messages, v) }

// span1 answers a slice holding only s; appending to it copies.
func (p *parser) span1(s Span) []Span {
	a := p.arena
	if len(a.spans) == 0 {
		a.spans = make([]Span, arenaBlock)
	}
	a.spans[0] = s
	x := a.spans[0:1:1]
	a.spans = a.spans[1:]
	return x
}
