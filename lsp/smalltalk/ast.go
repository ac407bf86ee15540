package smalltalk

// Span is a range of byte offsets into a file's source: Start is inclusive, End exclusive.
type Span struct {
	Start, End int
}

// Contains reports whether offset is within s, counting its end: a cursor just after a
// node is still on it.
func (s Span) Contains(offset int) bool { return s.Start <= offset && offset <= s.End }

// Len answers the number of bytes in s.
func (s Span) Len() int { return s.End - s.Start }

// Node is a node of the syntax tree. Every node knows its byte range.
type Node interface {
	Span() Span
}

// Expr is an expression node: a variable, a literal, a block, a send, a cascade, an
// assignment, a return (as a statement), or a BadExpr where the source did not parse.
type Expr interface {
	Node
	expr()
}

// IdentKind classifies an identifier: what a variable name refers to, or a selector part.
type IdentKind uint8

// The kinds of identifiers.
const (
	Undeclared        IdentKind = iota // a lower-case name not declared in the file (maybe an inherited instance variable)
	Pseudo                             // self, super, thisContext, true, false, nil
	Argument                           // a method or block argument
	Temporary                          // a method, block or script temporary
	InstanceVariable                   // declared by the class definition in the file (instance or class-instance side)
	ClassVariable                      // a class variable declared by the class definition in the file
	Global                             // an upper-case name: a class or a global such as Smalltalk or Transcript
	WorkspaceVariable                  // a script's undeclared lower-case name (a playground variable)
	SelectorPart                       // a keyword or selector of a message, a pattern or a pragma
)

var identKindNames = [...]string{"undeclared", "pseudo-variable", "argument", "temporary",
	"instance variable", "class variable", "global", "workspace variable", "selector part"}

func (k IdentKind) String() string {
	if int(k) < len(identKindNames) {
		return identKindNames[k]
	}
	return "identifier"
}

// Variable is a variable reference or declaration (an argument or temporary).
type Variable struct {
	Loc  Span
	Name string
	Kind IdentKind
	// Decl is the declaration a reference to an argument or temporary resolves to; it is
	// the node itself for a declaration and nil for other kinds.
	Decl *Variable
}

// LiteralKind is the kind of a literal.
type LiteralKind uint8

// The kinds of literals.
const (
	NumberLit LiteralKind = iota
	StringLit
	SymbolLit
	CharacterLit
	TrueLit
	FalseLit
	NilLit
)

// Literal is a number, string, symbol, character, true, false or nil. In a literal array,
// bare identifiers and keywords are symbols too.
type Literal struct {
	Loc  Span
	Kind LiteralKind
	Text string // the source text, e.g. "'it''s'", "#foo:", "16r1F", "$a"
}

// Value answers the literal's value as Pharo would print it without quotes: the contents
// of a string (doubled quotes undone), the name of a symbol, the character of a character
// literal; otherwise the source text.
func (l *Literal) Value() string {
	t := l.Text
	switch l.Kind {
	case StringLit:
		return unquote(t)
	case SymbolLit:
		for len(t) > 0 && t[0] == '#' {
			t = t[1:]
		}
		if len(t) > 0 && t[0] == '\'' {
			return unquote(t)
		}
		return t
	case CharacterLit:
		if len(t) > 1 {
			return t[1:]
		}
	}
	return t
}

func unquote(t string) string {
	if len(t) >= 2 && t[0] == '\'' && t[len(t)-1] == '\'' {
		t = t[1 : len(t)-1]
	}
	out := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		out = append(out, t[i])
		if t[i] == '\'' && i+1 < len(t) && t[i+1] == '\'' {
			i++
		}
	}
	return string(out)
}

// LiteralArray is #( ... ) or, with Bytes, #[ ... ]. Nested arrays written ( ... ) or
// [ ... ] inside a literal array are LiteralArrays too.
type LiteralArray struct {
	Loc      Span
	Bytes    bool
	Elements []Expr // *Literal and *LiteralArray
}

// DynamicArray is { expr. expr }.
type DynamicArray struct {
	Loc      Span
	Elements []Expr
}

// Block is [ :a :b | | t | statements ].
type Block struct {
	Loc    Span
	Params []*Variable
	Body   *Sequence
}

// Sequence is a list of temporaries and statements: a method or block body, a script, the
// body of a chunk.
type Sequence struct {
	Loc        Span
	Temps      []*Variable
	Statements []Expr
}

// Assignment is var := value.
type Assignment struct {
	Loc   Span
	Var   *Variable
	Value Expr
}

// Message is the message part of a send: its selector and arguments. Parts are the
// ranges of the selector's keywords (one part for unary and binary selectors).
type Message struct {
	Loc      Span
	Selector string // the full selector, e.g. "at:put:"
	Parts    []Span
	Args     []Expr
	// Chained marks a message of a cascade part that goes to the result of the message
	// before it, not to the cascade's receiver: "bar" in "x foo; baz bar".
	Chained bool
}

// Paren is a parenthesized expression.
type Paren struct {
	Loc Span
	X   Expr
}

// Send is a message sent to a receiver.
type Send struct {
	Loc      Span
	Receiver Expr
	Message  *Message
}

// Cascade is receiver msg1; msg2; msg3: every message goes to Receiver. Messages holds
// the first message too.
type Cascade struct {
	Loc      Span
	Receiver Expr
	Messages []*Message
}

// Return is ^ value.
type Return struct {
	Loc   Span
	Value Expr
}

// Pragma is <primitive: 60>, <script>, <category: 'x'>; arguments are literals or, as in
// <primitive: 'x' error: ec>, variables.
type Pragma struct {
	Loc      Span
	Selector string
	Parts    []Span
	Args     []Expr
}

// BadExpr stands for source that did not parse; an Error says why.
type BadExpr struct {
	Loc Span
}

// Method is a method: in a Tonel file with its class, side and category; in a chunk file
// with the class and category of its methodsFor: chunk.
type Method struct {
	Loc      Span // the whole definition, metadata included
	Class    string
	Meta     bool   // class side ("Foo class >> bar", or "classSide" in a trait)
	Category string // the protocol; "" if none
	// Header is the "Foo class >> bar: x" part in a Tonel file (empty elsewhere); Pattern
	// is the selector and arguments.
	Header   Span
	Selector string
	Parts    []Span // the selector's keywords in the pattern
	Params   []*Variable
	Pragmas  []*Pragma
	Body     *Sequence
	BodyLoc  Span // in a Tonel file: between the brackets; elsewhere: the method's source
	Extended bool // defined in an extension file
	Comment  string
}

// ClassDef is a class, trait, extension or package definition: a Tonel file's header, or
// a chunk file's "Object subclass: #Foo ..." expression.
type ClassDef struct {
	Loc           Span
	Kind          DefKind
	Name          string
	NameLoc       Span
	Superclass    string // "" for traits, extensions, packages; "nil" for a root
	SuperclassLoc Span
	InstVars      []Name
	ClassVars     []Name
	ClassInstVars []Name
	Pools         []Name
	Traits        string // the composition, as written
	ClassTraits   string
	Category      string
	Package       string
	Tag           string
	Type          string // the layout: variable, bytes, words, weak, ...
	Comment       string // the class comment, doubled quotes undone
	CommentLoc    Span
}

// Name is a declared name and where it is declared.
type Name struct {
	Name string
	Loc  Span
}

// DefKind is the kind of a definition.
type DefKind uint8

// The kinds of definitions.
const (
	ClassKind DefKind = iota
	TraitKind
	ExtensionKind
	PackageKind
)

func (k DefKind) String() string {
	return [...]string{"class", "trait", "extension", "package"}[k]
}

func (n *Variable) Span() Span     { return n.Loc }
func (n *Literal) Span() Span      { return n.Loc }
func (n *LiteralArray) Span() Span { return n.Loc }
func (n *DynamicArray) Span() Span { return n.Loc }
func (n *Block) Span() Span        { return n.Loc }
func (n *Sequence) Span() Span     { return n.Loc }
func (n *Assignment) Span() Span   { return n.Loc }
func (n *Message) Span() Span      { return n.Loc }
func (n *Send) Span() Span         { return n.Loc }
func (n *Paren) Span() Span        { return n.Loc }
func (n *Cascade) Span() Span      { return n.Loc }
func (n *Return) Span() Span       { return n.Loc }
func (n *Pragma) Span() Span       { return n.Loc }
func (n *BadExpr) Span() Span      { return n.Loc }
func (n *Method) Span() Span       { return n.Loc }
func (n *ClassDef) Span() Span     { return n.Loc }

func (*Variable) expr()     {}
func (*Literal) expr()      {}
func (*LiteralArray) expr() {}
func (*DynamicArray) expr() {}
func (*Block) expr()        {}
func (*Assignment) expr()   {}
func (*Send) expr()         {}
func (*Paren) expr()        {}
func (*Cascade) expr()      {}
func (*Return) expr()       {}
func (*BadExpr) expr()      {}

// Inspect walks the tree rooted at n in source order, calling f for each node; if f
// answers false, Inspect does not walk that node's children.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || isNilNode(n) || !f(n) {
		return
	}
	switch n := n.(type) {
	case *LiteralArray:
		for _, e := range n.Elements {
			Inspect(e, f)
		}
	case *DynamicArray:
		for _, e := range n.Elements {
			Inspect(e, f)
		}
	case *Block:
		for _, p := range n.Params {
			Inspect(p, f)
		}
		Inspect(n.Body, f)
	case *Sequence:
		for _, t := range n.Temps {
			Inspect(t, f)
		}
		for _, s := range n.Statements {
			Inspect(s, f)
		}
	case *Assignment:
		Inspect(n.Var, f)
		Inspect(n.Value, f)
	case *Message:
		for _, a := range n.Args {
			Inspect(a, f)
		}
	case *Send:
		Inspect(n.Receiver, f)
		Inspect(n.Message, f)
	case *Cascade:
		Inspect(n.Receiver, f)
		for _, m := range n.Messages {
			Inspect(m, f)
		}
	case *Return:
		Inspect(n.Value, f)
	case *Paren:
		Inspect(n.X, f)
	case *Pragma:
		for _, a := range n.Args {
			Inspect(a, f)
		}
	case *Method:
		for _, p := range n.Params {
			Inspect(p, f)
		}
		// Pragmas and temporaries are both at the top of the body; visit in source order.
		var temps []*Variable
		if n.Body != nil {
			temps = n.Body.Temps
		}
		pi, ti := 0, 0
		for pi < len(n.Pragmas) || ti < len(temps) {
			if ti >= len(temps) || pi < len(n.Pragmas) && n.Pragmas[pi].Loc.Start < temps[ti].Loc.Start {
				Inspect(n.Pragmas[pi], f)
				pi++
			} else {
				Inspect(temps[ti], f)
				ti++
			}
		}
		if n.Body != nil {
			for _, s := range n.Body.Statements {
				Inspect(s, f)
			}
		}
	}
}

// isNilNode reports whether n is a typed nil pointer.
func isNilNode(n Node) bool {
	switch n := n.(type) {
	case *Sequence:
		return n == nil
	case *Variable:
		return n == nil
	case *Message:
		return n == nil
	}
	return false
}
