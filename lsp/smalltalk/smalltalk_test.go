package smalltalk

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// dump writes the file's tree, one node a line, indented by depth, with the source text
// of leaves, then its errors.
func dump(f *File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind %s\n", f.Kind)
	for _, c := range f.Classes {
		fmt.Fprintf(&b, "%s %s %v super=%q inst=%v classVars=%v classInst=%v pools=%v traits=%q classTraits=%q category=%q package=%q tag=%q comment=%q\n",
			c.Kind, c.Name, c.Loc, c.Superclass, names(c.InstVars), names(c.ClassVars), names(c.ClassInstVars), names(c.Pools),
			c.Traits, c.ClassTraits, c.Category, c.Package, c.Tag, c.Comment)
	}
	for _, n := range f.Nodes() {
		if _, ok := n.(*ClassDef); ok {
			continue
		}
		depth := 0
		var stack []Span
		Inspect(n, func(n Node) bool {
			s := n.Span()
			for len(stack) > 0 && !(stack[len(stack)-1].Start <= s.Start && s.End <= stack[len(stack)-1].End) {
				stack = stack[:len(stack)-1]
			}
			depth = len(stack)
			stack = append(stack, s)
			fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), describeNode(f, n))
			return true
		})
	}
	for _, e := range f.Errors {
		fmt.Fprintf(&b, "error %v %q: %s\n", e.Loc, f.Src[e.Loc.Start:e.Loc.End], e.Msg)
	}
	return b.String()
}

func names(ns []Name) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return out
}

func describeNode(f *File, n Node) string {
	text := func(s Span) string {
		t := string(f.Src[s.Start:s.End])
		if len(t) > 40 {
			t = t[:37] + "..."
		}
		return fmt.Sprintf("%q", t)
	}
	switch n := n.(type) {
	case *Method:
		side := ""
		if n.Meta {
			side = " class"
		}
		return fmt.Sprintf("Method %s%s>>%s category=%q %v body=%v", n.Class, side, n.Selector, n.Category, n.Loc, n.BodyLoc)
	case *Sequence:
		return fmt.Sprintf("Sequence %v temps=%d", n.Loc, len(n.Temps))
	case *Variable:
		return fmt.Sprintf("Variable %s (%s) %v", n.Name, n.Kind, n.Loc)
	case *Literal:
		return fmt.Sprintf("Literal %s %v", text(n.Loc), n.Loc)
	case *LiteralArray:
		return fmt.Sprintf("LiteralArray bytes=%v %v", n.Bytes, n.Loc)
	case *Message:
		return fmt.Sprintf("Message %s chained=%v %v", n.Selector, n.Chained, n.Loc)
	case *Pragma:
		return fmt.Sprintf("Pragma %s %v", n.Selector, n.Loc)
	case *BadExpr:
		return fmt.Sprintf("BadExpr %s %v", text(n.Loc), n.Loc)
	}
	return fmt.Sprintf("%T %v", n, n.Span())[len("*smalltalk."):]
}

func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/parse/*.st")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f := Parse(src, KindOf(path, src))
			checkTree(t, f)
			got := dump(f)
			golden := strings.TrimSuffix(path, ".st") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("parse of %s differs from %s (go test -update rewrites it):\n%s", path, golden, diff(string(want), got))
			}
		})
	}
}

// diff answers the first differing lines of want and got.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\nwant %s\ngot  %s", i+1, wl, gl)
		}
	}
	return ""
}

// checkTree checks what must hold for any input: every node lies within the input and
// within its parent, top-level nodes do not overlap, and errors lie within the input.
func checkTree(t testing.TB, f *File) {
	t.Helper()
	n := len(f.Src)
	prevEnd := 0
	for _, top := range f.Nodes() {
		s := top.Span()
		if s.Start < prevEnd || s.End > n || s.Start > s.End {
			t.Fatalf("top-level %T %v overlaps the one before (ending %d) or leaves the input (%d bytes)", top, s, prevEnd, n)
		}
		prevEnd = s.End
		var walk func(parent Node)
		walk = func(parent Node) {
			ps := parent.Span()
			for _, c := range children(parent) {
				cs := c.Span()
				if cs.Start < ps.Start || cs.End > ps.End || cs.Start > cs.End {
					t.Fatalf("%T %v is not within its parent %T %v", c, cs, parent, ps)
				}
				walk(c)
			}
		}
		walk(top)
	}
	for _, e := range f.Errors {
		if e.Loc.Start < 0 || e.Loc.End > n || e.Loc.Start > e.Loc.End || e.Msg == "" {
			t.Fatalf("bad error %+v in %d bytes", e, n)
		}
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		path, src string
		want      Kind
	}{
		{"Foo.class.st", "", Tonel},
		{"TFoo.trait.st", "", Tonel},
		{"String.extension.st", "", Tonel},
		{"package.st", "", Tonel},
		{"untitled.st", "\"comment\"\nClass {\n\t#name : #Foo\n}", Tonel},
		{"out.st", "Object subclass: #Foo\n\tinstanceVariableNames: ''!\n", Chunk},
		{"out.st", "!Foo methodsFor: 'x'!\nbar ^1! !\n", Chunk},
		{"play.st", "| a |\na := 3 + 4.\na", Script},
		{"play.st", "x := 'Hi!!'", Script},
	}
	for _, tt := range tests {
		if got := KindOf(tt.path, []byte(tt.src)); got != tt.want {
			t.Errorf("KindOf(%q, %q) = %v; want %v", tt.path, tt.src, got, tt.want)
		}
	}
}

// TestSyntaxForms parses each form as a script and checks that it parses cleanly and
// sends the selectors expected.
func TestSyntaxForms(t *testing.T) {
	tests := []struct {
		name, src string
		sends     string // the selectors sent, in order, space-separated
	}{
		{"unary", "x foo bar", "foo bar"},
		{"binary precedence", "a + b * c", "+ *"},
		{"keyword with binary and unary args", "a at: b + c put: d e", "at:put: + e"},
		{"parentheses", "(a at: 1) + (b foo: 2)", "at: + foo:"},
		{"cascade", "Transcript show: 'a'; cr; show: 'b' , 'c'", "show: cr show: ,"},
		{"cascade chained part", "x foo; bar baz", "foo bar baz"},
		{"assignment chain", "a := b := 3 + 4", "+"},
		{"return", "^ self foo", "foo"},
		{"negative literal", "x := -3 abs", "abs"},
		{"subtraction without spaces", "x-1", "-"},
		{"binary minus before negative", "x - -1", "-"},
		{"double minus", "x--1", "--"},
		{"radix and exponents", "16r1F + 2r1010 + 1.5e-3 + 2r1e4 + 16r-FF + -16rFF", "+ + + + +"},
		{"scaled decimals", "1.5s2 + 1s + (1/3s2)", "+ + /"},
		{"large integer", "123456789012345678901234567890 * 2", "*"},
		{"exponent letters", "1e10 + 1.0d2 + 2q3", "+ +"},
		{"number followed by unary", "3 factorial. 2 sqrt. 1s foo", "factorial sqrt foo"},
		{"strings with doubled quotes", "'it''s' size", "size"},
		{"symbols", "#foo. #foo:bar:. #+. #->. #'with spaces'. ##foo. #foo:bar", ""},
		{"characters", "$a. $'. $\". $ . $$. $]", ""},
		{"literal arrays", "#(1 $a 'b' #c d: e:f: #(g) (h) true false nil #[1 2] [3] + -> -1 1.5)", ""},
		{"brackets in literal arrays are symbols", "#(char name[16] [ foo: ] #[1] ([x]))", ""},
		{"unmatched brackets in literal arrays", "#( ] ) , #( [ )", ","},
		{"byte arrays", "#[] , #[0 255]", ","},
		{"dynamic arrays", "{ 1. 2 + 3. x foo } , {}", "+ foo ,"},
		{"blocks", "[:a :b | | t | t := a. b] value: 1 value: 2", "value:value:"},
		{"block without bar", "[:a] value: 1", "value:"},
		{"block args and temps glued", "[:a || t | t := a]", ""},
		{"block bar glued to empty temporaries", "[:a|||a] value: 1. [:a| ||a]. [:a|| |a]. [:a| | |a]", "value:"},
		{"empty block and temps", "[] value. [||] value. [ | | ]", "value value"},
		{"pseudo variables", "self foo. super bar. thisContext baz", "foo bar baz"},
		{"binary selectors", "a -> b ==> c ~= d <= e >= f // g \\\\ h , i & j | k", "-> ==> ~= <= >= // \\\\ , & |"},
		{"Latin-1 binary selectors", "a × b ÷ c ± d · e. #±", "× ÷ ± ·"},
		{"keyword selector through cascade", "a b: 1; c: 2 d: 3", "b: c:d:"},
		{"sends in source order", "(a foo: b bar) baz , c qux", "foo: bar baz , qux"},
		{"unicode identifiers", "café := Ελλάδα new. _private foo_bar", "new foo_bar"},
		{"empty statements", "a foo.. b bar.", "foo bar"},
		{"comments", "\"c1\" a \"c2\" foo \"c3\". \"with \"\"quotes\"\"\"", "foo"},
		{"temps in script", "| a b | a := 1. b := a", ""},
		{"annotations", "@inline. x := @constant: 3 + 4 unit: #m. { @answer. 1 @ 2 }", "inline constant:unit: + answer @"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse([]byte(tt.src), Script)
			checkTree(t, f)
			for _, e := range f.Errors {
				t.Errorf("error %v %q: %s", e.Loc, tt.src[e.Loc.Start:e.Loc.End], e.Msg)
			}
			var sends []string
			for _, m := range f.Sends() {
				sends = append(sends, m.Selector)
			}
			if got := strings.Join(sends, " "); got != tt.sends {
				t.Errorf("sends of %q = %q; want %q", tt.src, got, tt.sends)
			}
		})
	}
}

func TestNegativeLiterals(t *testing.T) {
	f := Parse([]byte("#(-1 - 2) , { -3 }"), Script)
	var lits []string
	for _, n := range f.Nodes() {
		Inspect(n, func(n Node) bool {
			if l, ok := n.(*Literal); ok {
				lits = append(lits, l.Text)
			}
			return true
		})
	}
	if got, want := strings.Join(lits, " "), "-1 - 2 -3"; got != want {
		t.Errorf("literals = %q; want %q", got, want)
	}
}

// TestAnnotationMark checks that a lone @ starting an expression is the annotation mark,
// a pseudo-variable receiving the message, while @ after an operand stays a binary send.
func TestAnnotationMark(t *testing.T) {
	f := Parse([]byte("@meaning: 42. 3 @ 4"), Script)
	if len(f.Errors) > 0 {
		t.Fatalf("errors: %v", f.Errors)
	}
	stmts := f.Scripts[0].Statements
	send, ok := stmts[0].(*Send)
	if !ok {
		t.Fatalf("@meaning: 42 parsed as %T", stmts[0])
	}
	if v, ok := send.Receiver.(*Variable); !ok || v.Name != "@" || v.Kind != Pseudo || send.Message.Selector != "meaning:" {
		t.Errorf("@meaning: 42 = %T %+v sending %q; want the pseudo-variable @ sending meaning:", send.Receiver, send.Receiver, send.Message.Selector)
	}
	if point, ok := stmts[1].(*Send); !ok || point.Message.Selector != "@" {
		t.Errorf("3 @ 4 parsed as %T; want a send of @", stmts[1])
	}
	bad := Parse([]byte("@@ foo"), Script)
	if len(bad.Errors) == 0 {
		t.Errorf("@@ foo parsed without error; only a lone @ is an annotation mark")
	}
}

func TestLiteralValue(t *testing.T) {
	tests := []struct{ src, want string }{
		{"'it''s'", "it's"}, {"#foo:bar:", "foo:bar:"}, {"#'a b'", "a b"}, {"$a", "a"}, {"$ ", " "}, {"16r1F", "16r1F"},
	}
	for _, tt := range tests {
		f := Parse([]byte(tt.src), Script)
		lit, ok := f.Scripts[0].Statements[0].(*Literal)
		if !ok {
			t.Fatalf("%q parsed as %T", tt.src, f.Scripts[0].Statements[0])
		}
		if got := lit.Value(); got != tt.want {
			t.Errorf("Value of %s = %q; want %q", tt.src, got, tt.want)
		}
	}
}

// TestErrorRecovery checks that each error is reported at the right place with a clear
// message, and that what follows the error still parses.
func TestErrorRecovery(t *testing.T) {
	tests := []struct {
		name, src string
		kind      Kind
		errAt     string // the text the first error covers (its first bytes)
		msg       string // a part of its message
		sends     string // the selectors still found
	}{
		{"missing argument", "a := 3 + . b foo", Script, ".", "expected an expression", "+ foo"},
		{"unclosed paren", "a := (3 + 4. b foo", Script, "(3 + 4", "( is not closed", "+ foo"},
		{"unclosed block", "[:x | x foo. y bar", Script, "[:x | x foo. y bar", "[ is not closed", "foo bar"},
		{"unclosed literal array", "#(1 2", Script, "#(1 2", "#( is not closed", ""},
		{"stray closer", "a foo ) b bar", Script, ")", "unexpected )", "foo bar"},
		{"two expressions", "a foo b: 1 2 c: 3. d bar", Script, "2", "expected a period", "foo b: bar"},
		{"unterminated string", "a foo. 'abc", Script, "'abc", "unterminated string", "foo"},
		{"unterminated comment", "a foo. \"abc", Script, "\"abc", "unterminated comment", "foo"},
		{"illegal character", "a foo. b → c. d bar", Script, "→", "unexpected character", "foo bar"},
		{"illegal Latin-1 character", "a foo. b § c. d bar", Script, "§", "unexpected character", "foo bar"},
		{"bad byte array", "#[1 300 2]", Script, "300", "from 0 to 255", ""},
		{"keyword without argument", "x foo: . y bar", Script, ".", "expected an expression", "foo: bar"},
		{"cascade on non-send", "3; foo. x bar", Script, ";", "cascade", "bar"},
		{"unclosed pragma", "foo\n\t<primitive: 60\n\t^ self bar", Chunk, "<primitive: 60", "pragma is not closed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if tt.kind == Chunk {
				src = "!Foo methodsFor: 'x'!\n" + src + "! !\n"
			}
			f := Parse([]byte(src), tt.kind)
			checkTree(t, f)
			if len(f.Errors) == 0 {
				t.Fatalf("no errors for %q", src)
			}
			e := f.Errors[0]
			if got := src[e.Loc.Start:e.Loc.End]; !strings.HasPrefix(got, tt.errAt) && !(tt.errAt != "" && got == "" && strings.HasPrefix(src[e.Loc.Start:], tt.errAt)) {
				t.Errorf("first error covers %q (%v); want %q", got, e.Loc, tt.errAt)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("first error says %q; want it to mention %q", e.Msg, tt.msg)
			}
			var sends []string
			for _, m := range f.Sends() {
				sends = append(sends, m.Selector)
			}
			if tt.kind != Chunk {
				if got := strings.Join(sends, " "); got != tt.sends {
					t.Errorf("sends = %q; want %q", got, tt.sends)
				}
			}
		})
	}
}

// TestTonelForms parses Tonel files in the forms Pharo writes and reads, and checks that
// they parse cleanly: the class, its category and the selectors and categories of its
// methods.
func TestTonelForms(t *testing.T) {
	tests := []struct {
		name, src string
		category  string // the definition's category
		methods   string // "selector/category" of each method, space-separated
	}{
		{"unquoted symbols with dashes", "Trait {\n\t#name : #TSortable,\n\t#category : #Shop-Core-Base\n}\n\n{ #category : #sorting-helpers }\nTSortable >> < other [\n\t^ false\n]\n",
			"Shop-Core-Base", "</sorting-helpers"},
		{"unquoted symbols with dots and slashes", "Class {\n\t#name : #Foo,\n\t#category : #a.b/c_d\n}\n\n{ #category : #x }\nFoo >> bar [\n]\n",
			"a.b/c_d", "bar/x"},
		{"unmatched brackets in a literal array", "Class { #name : 'Foo', #category : 'C' }\n\n{ #category : 'x' }\nFoo >> bar [\n\t^ #( ] $] ']' ( [ ) )\n]\n\n{ #category : 'y' }\nFoo >> baz [\n\t^ #( [ ) , #[ 1 ]\n]\n",
			"C", "bar/x baz/y"},
		{"STON escapes in strings", "Class {\n\t#name : 'Foo',\n\t#category : 'it\\'s'\n}\n\n{ #category : 'don\\'t \\\\ \\u00e9' }\nFoo >> bar [\n\t^ 'it''s'\n]\n",
			"it's", "bar/don't \\ é"},
		{"metadata map over several lines", "Class { #name : 'Foo', #category : 'C' }\n\n{ #category : 'x' }\nFoo >> bar [\n\t^ 1\n]\n\n{\n\t#category : 'y',\n\t#note : 'two keys'\n}\nFoo >> baz [\n\t^ 2\n]\n",
			"C", "bar/x baz/y"},
		{"STON escapes in quoted symbols", "Class {\n\t#name : #Foo,\n\t#category : #'Tool-X'\n}\n\n{ #category : #'drag\\'n\\'drop' }\nFoo >> bar [\n\t^ 1\n]\n",
			"Tool-X", "bar/drag'n'drop"},
		{"empty metadata map", "Class { #name : 'Foo', #category : 'C' }\n\n{ #category : 'x' }\nFoo >> bar [\n\t^ 1\n]\n\n{ }\nFoo >> baz [\n]\n",
			"C", "bar/x baz/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse([]byte(tt.src), Tonel)
			checkTree(t, f)
			for _, e := range f.Errors {
				t.Errorf("error %v %q: %s", e.Loc, tt.src[e.Loc.Start:e.Loc.End], e.Msg)
			}
			if len(f.Classes) != 1 || f.Classes[0].Category != tt.category {
				t.Errorf("classes = %v; want one of category %q", f.Classes, tt.category)
			}
			var ms []string
			for _, m := range f.Methods {
				ms = append(ms, m.Selector+"/"+m.Category)
			}
			if got := strings.Join(ms, " "); got != tt.methods {
				t.Errorf("methods = %q; want %q", got, tt.methods)
			}
		})
	}
}

// TestTonelRecovery checks that broken methods do not hide the good ones.
func TestTonelRecovery(t *testing.T) {
	src, err := os.ReadFile("testdata/parse/errors.class.st")
	if err != nil {
		t.Fatal(err)
	}
	f := Parse(src, Tonel)
	var sels []string
	for _, m := range f.Methods {
		sels = append(sels, m.Selector)
	}
	if got, want := strings.Join(sels, " "), "unclosedBlock fine badStatement unclosedString stillFine"; got != want {
		t.Errorf("methods = %q; want %q", got, want)
	}
	for _, sel := range []string{"fine", "stillFine"} {
		for _, m := range f.Methods {
			if m.Selector != sel {
				continue
			}
			for _, e := range f.Errors {
				if e.Loc.Start >= m.Loc.Start && e.Loc.End <= m.Loc.End {
					t.Errorf("error %q inside the good method %s", e.Msg, sel)
				}
			}
		}
	}
}

// TestTonelBodyEndInLiteralArray checks that the end of a broken method is found as
// Tonel finds it, skipping the brackets inside literal arrays.
func TestTonelBodyEndInLiteralArray(t *testing.T) {
	src := "Class { #name : 'Foo' }\n\nFoo >> bad [\n\t^ #( ] [ ] ) foo: .\n]\n\nFoo >> good [\n\t^ 1\n]\n"
	f := Parse([]byte(src), Tonel)
	checkTree(t, f)
	var sels []string
	for _, m := range f.Methods {
		sels = append(sels, m.Selector)
	}
	if got := strings.Join(sels, " "); got != "bad good" {
		t.Fatalf("methods = %q; want %q", got, "bad good")
	}
	if len(f.Errors) != 1 || !strings.Contains(f.Errors[0].Msg, "expected an expression") {
		t.Errorf("errors = %v; want one, for the missing argument", f.Errors)
	}
	if bad := f.Methods[0]; src[bad.Loc.End-1] != ']' || !strings.HasSuffix(src[:bad.Loc.End], ".\n]") {
		t.Errorf("bad method ends at %d (%q); want after its closing ]", bad.Loc.End, src[:bad.Loc.End])
	}
}

// TestTonelBrokenBodyHeaders checks where a broken method ends: at a line that starts
// the next method (metadata over several lines counts), not at a line of the body that
// merely starts with {.
func TestTonelBrokenBodyHeaders(t *testing.T) {
	const expr = "expected an expression, found '.'"
	tests := []struct{ name, src, methods, errors, badEnd string }{
		{"code line starting with { }", "Class { #name : 'Foo' }\n\nFoo >> bad [\n\tx := 1 +.\n{ } size.\n\t^ x\n]\n\nFoo >> good [\n\t^ 1\n]\n",
			"bad good", expr, "^ x\n]"},
		{"code line starting with { then #", "Class { #name : 'Foo' }\n\nFoo >> bad [\n\tx := 1 +.\n{\n#a. #b } size\n]\n\nFoo >> good [\n\t^ 1\n]\n",
			"bad good", expr, "} size\n]"},
		{"metadata over several lines after it", "Class { #name : 'Foo' }\n\nFoo >> bad [\n\tx := 1 +.\n\t^ x\n\n{\n\t#category : 'y'\n}\nFoo >> good [\n\t^ 1\n]\n",
			"bad good", "the body of bad is not closed with ]; " + expr, "^ x\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse([]byte(tt.src), Tonel)
			checkTree(t, f)
			var sels []string
			for _, m := range f.Methods {
				sels = append(sels, m.Selector)
			}
			if got := strings.Join(sels, " "); got != tt.methods {
				t.Fatalf("methods = %q; want %q", got, tt.methods)
			}
			var msgs []string
			for _, e := range f.Errors {
				msgs = append(msgs, e.Msg)
			}
			if got := strings.Join(msgs, "; "); got != tt.errors {
				t.Errorf("errors = %q; want %q", got, tt.errors)
			}
			if bad := f.Methods[0]; !strings.HasSuffix(tt.src[:bad.Loc.End], tt.badEnd) {
				t.Errorf("bad method ends with %q; want %q", tt.src[bad.Loc.Start:bad.Loc.End], tt.badEnd)
			}
		})
	}
}

// marker answers the offset of the first "|" in s and s without it.
func marker(s string) (int, string) {
	i := strings.Index(s, "‸")
	return i, s[:i] + s[i+len("‸"):]
}

func TestStatementsIn(t *testing.T) {
	tests := []struct {
		name, src string // src has a ‸ at the cursor, or two for a selection
		want      string
	}{
		{"cursor in statement", "a := 1.\nb := a ‸+ 2.\nc := 3", "b := a + 2"},
		{"cursor after period", "a := 1.‸\nb := 2", "a := 1"},
		{"cursor at end", "a := 1.\nb := 2‸", "b := 2"},
		{"cursor in block", "x do: [ :e | e ‸foo ]. y", "x do: [ :e | e foo ]"},
		{"cursor before statement", "‸  a foo", "a foo"},
		{"cursor on empty line", "a.\n‸\nb", ""},
		{"selection of two", "a := 1.\nb ‸:= 2.\nc‸ := 3.\nd", "b := 2.\nc := 3"},
		{"selection inside one", "a := 1 + ‸2‸ * 3", "a := 1 + 2 * 3"},
		{"in a Tonel method", "Class { #name : #A }\n\nA >> foo [\n\t^ self ‸bar\n]\n", "^ self bar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, src := marker(tt.src)
			end := start
			if strings.Contains(src, "‸") {
				end, src = marker(src)
			}
			kind := Script
			if strings.HasPrefix(src, "Class") {
				kind = Tonel
			}
			f := Parse([]byte(src), kind)
			span, stmts := f.StatementsIn(start, end)
			got := src[span.Start:span.End]
			if got != tt.want {
				t.Errorf("StatementsIn(%d, %d) = %q; want %q", start, end, got, tt.want)
			}
			if (len(stmts) == 0) != (tt.want == "") {
				t.Errorf("got %d statements for %q", len(stmts), got)
			}
		})
	}
}

func TestNodeAtAndIdentifiers(t *testing.T) {
	src, err := os.ReadFile("testdata/parse/Counter.class.st")
	if err != nil {
		t.Fatal(err)
	}
	f := Parse(src, Tonel)
	tests := []struct {
		pattern string // the identifier is at the start of the pattern's match, +skip
		skip    int
		name    string
		kind    IdentKind
		sel     string
	}{
		{"count + aCounter count", 0, "count", InstanceVariable, ""},
		{"aCounter count\n", 0, "aCounter", Argument, ""},
		{"startingAt: count", 0, "startingAt:", SelectorPart, "startingAt:"},
		{"setCount: anInteger; yourself", 0, "setCount:", SelectorPart, "setCount:"},
		{"default := self new", 0, "default", InstanceVariable, ""}, // class-instance variable, class side
		{"Registry := Set", 0, "Registry", ClassVariable, ""},
		{"Set new ]", 0, "Set", Global, ""},
		{"sum + each", 6, "each", Argument, ""},
		{"t := a max: b. t ]", 0, "t", Temporary, ""},
		{"max: b. t ]", 0, "max:", SelectorPart, "max:"},
		{"thisContext", 0, "thisContext", Pseudo, ""},
		{"ec\n]", 0, "ec", Temporary, ""},
		{"x-1", 0, "x", Undeclared, ""},
		{"Counter class >> default", 0, "Counter", Global, ""},
		{"'step'", 1, "step", InstanceVariable, ""},
	}
	for _, tt := range tests {
		i := bytes.Index(src, []byte(tt.pattern))
		if i < 0 {
			t.Fatalf("pattern %q not found", tt.pattern)
		}
		id, ok := f.IdentifierAt(i + tt.skip)
		if !ok || id.Name != tt.name || id.Kind != tt.kind || id.Selector != tt.sel {
			t.Errorf("IdentifierAt(%q) = %+v, %v; want %s (%s) selector %q", tt.pattern, id, ok, tt.name, tt.kind, tt.sel)
		}
	}
	// A temporary's reference resolves to its declaration.
	i := bytes.Index(src, []byte("sum := sum + each"))
	id, _ := f.IdentifierAt(i + len("sum := ") + 1)
	if id.Decl == nil || string(src[id.Decl.Loc.Start:id.Decl.Loc.End]) != "sum" || id.Decl.Loc.Start > i {
		t.Errorf("sum resolves to %+v; want its declaration in | sum |", id.Decl)
	}
	// The path ends with the innermost node.
	path := f.NodeAt(bytes.Index(src, []byte("2 factorial")))
	if len(path) < 3 {
		t.Fatalf("NodeAt path too short: %v", path)
	}
	if m, ok := path[0].(*Method); !ok || m.Selector != "cascades" {
		t.Errorf("path starts with %T; want the method cascades", path[0])
	}
	if l, ok := path[len(path)-1].(*Literal); !ok || l.Text != "2" {
		t.Errorf("path ends with %T %v; want the literal 2", path[len(path)-1], path[len(path)-1].Span())
	}
}

func TestEnclosingMethod(t *testing.T) {
	src, err := os.ReadFile("testdata/parse/Counter.class.st")
	if err != nil {
		t.Fatal(err)
	}
	f := Parse(src, Tonel)
	tests := []struct {
		pattern string
		class   string
		meta    bool
		sel     string
	}{
		{"default ifNil:", "Counter", true, "default"},
		{"{ #category : 'instance creation' }\nCounter class >> startingAt:", "Counter", true, "startingAt:"},
		{"^ self class startingAt:", "Counter", false, "+"},
		{"x--1", "Counter", false, "setCount:"},
	}
	for _, tt := range tests {
		i := bytes.Index(src, []byte(tt.pattern))
		m := f.EnclosingMethod(i + 1)
		if m == nil || m.Class != tt.class || m.Meta != tt.meta || m.Selector != tt.sel {
			t.Errorf("EnclosingMethod(%q) = %+v; want %s meta=%v %s", tt.pattern, m, tt.class, tt.meta, tt.sel)
			continue
		}
		if src[m.BodyLoc.Start-1] != '[' || src[m.BodyLoc.End] != ']' || bytes.Contains(src[m.BodyLoc.Start:m.BodyLoc.End], []byte(">>")) {
			t.Errorf("body of %s = %q; want the text between the brackets", tt.sel, src[m.BodyLoc.Start:m.BodyLoc.End])
		}
	}
	if m := f.EnclosingMethod(bytes.Index(src, []byte("#instVars"))); m != nil {
		t.Errorf("EnclosingMethod in the class definition = %s; want nil", m.Selector)
	}
	if c := f.EnclosingClass(0); c == nil || c.Name != "Counter" {
		t.Errorf("EnclosingClass = %+v; want Counter", c)
	}
}

func TestSymbols(t *testing.T) {
	for _, name := range []string{"Counter.class.st", "fileout.chunk.st", "TComparable.trait.st"} {
		src, err := os.ReadFile("testdata/parse/" + name)
		if err != nil {
			t.Fatal(err)
		}
		f := Parse(src, KindOf(name, src))
		var b strings.Builder
		var walk func(ss []DocumentSymbol, parent Span, depth int)
		walk = func(ss []DocumentSymbol, parent Span, depth int) {
			for _, s := range ss {
				if s.Loc.Start < parent.Start || s.Loc.End > parent.End || s.NameLoc.Start < s.Loc.Start || s.NameLoc.End > s.Loc.End {
					t.Errorf("%s: symbol %s %v (name %v) not within %v", name, s.Name, s.Loc, s.NameLoc, parent)
				}
				fmt.Fprintf(&b, "%s%s [%s] %s\n", strings.Repeat("  ", depth), s.Name, s.Detail, src[s.NameLoc.Start:s.NameLoc.End])
				walk(s.Children, s.Loc, depth+1)
			}
		}
		walk(f.Symbols(), f.Span(), 0)
		golden := "testdata/symbols/" + strings.TrimSuffix(name, ".st") + ".golden"
		if *update {
			os.MkdirAll("testdata/symbols", 0o755)
			if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if b.String() != string(want) {
			t.Errorf("symbols of %s differ from %s:\n%s", name, golden, diff(string(want), b.String()))
		}
	}
}

func TestReparseMatchesParse(t *testing.T) {
	src, err := os.ReadFile("testdata/parse/Counter.class.st")
	if err != nil {
		t.Fatal(err)
	}
	edits := []struct{ old, new string }{
		{"^ count\n", "^ count + 1 \"longer\"\n"},
		{"sum := 0.", "s"},
		{"^ count\n", "^ count ]\n"},         // closes the body early: full parse
		{"^ ec", "^ ec foo: . "},             // an error inside the body
		{"Counter >> count", "Counter >> c"}, // in a header: full parse
	}
	for _, e := range edits {
		i := bytes.Index(src, []byte(e.old))
		edited := append(append(append([]byte{}, src[:i]...), e.new...), src[i+len(e.old):]...)
		f := Parse(src, Tonel)
		got := f.Reparse(edited, i, i+len(e.old), len(e.new))
		want := Parse(edited, Tonel)
		if dump(got) != dump(want) {
			t.Errorf("Reparse after %q -> %q differs from Parse:\n%s", e.old, e.new, diff(dump(want), dump(got)))
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/parse/*.st")
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err == nil {
			f.Add(src, uint8(KindOf(path, src)))
		}
	}
	for _, kind := range []Kind{Script, Tonel, Chunk} {
		f.Add([]byte("\xef\xbb\xbf\xef\xbb\xbf"), uint8(kind)) // a byte order mark, then another
	}
	f.Fuzz(func(t *testing.T, src []byte, kind uint8) {
		file := Parse(src, Kind(kind%3))
		checkTree(t, file)
		file.Symbols()
		for i := 0; i <= len(src); i += 1 + len(src)/16 {
			file.NodeAt(i)
			file.IdentifierAt(i)
			file.StatementsIn(i, min(i+5, len(src)))
		}
	})
}

func TestIsByte(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "255": true, "256": false, "16rFF": true, "16r80": true,
		"16r100": false, "2r1e4": true, "2r1e8": false, "-1": false, "1.5": false, "300": false, "1r0": false} {
		if got := isByte(s); got != want {
			t.Errorf("isByte(%q) = %v; want %v", s, got, want)
		}
	}
}

func TestScriptIdentifiers(t *testing.T) {
	src := "| a |\na := 3.\nc := [ :x | x * a ] value: 7.\nTranscript show: c printString"
	f := Parse([]byte(src), Script)
	tests := []struct {
		at   string
		kind IdentKind
	}{
		{"a := 3", Temporary}, {"c :=", WorkspaceVariable}, {"x * a", Argument}, {"a ]", Temporary},
		{"Transcript", Global}, {"show:", SelectorPart}, {"c printString", WorkspaceVariable}, {"printString", SelectorPart},
	}
	for _, tt := range tests {
		id, ok := f.IdentifierAt(strings.Index(src, tt.at))
		if !ok || id.Kind != tt.kind {
			t.Errorf("IdentifierAt(%q) = %+v, %v; want %s", tt.at, id, ok, tt.kind)
		}
	}
}

// TestCRLF checks that a Tonel file with CRLF line ends parses as with LF.
func TestCRLF(t *testing.T) {
	src, err := os.ReadFile("testdata/parse/Counter.class.st")
	if err != nil {
		t.Fatal(err)
	}
	crlf := bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
	lf, cr := Parse(src, Tonel), Parse(crlf, Tonel)
	if len(cr.Errors) > 0 {
		t.Errorf("errors with CRLF: %v", cr.Errors)
	}
	if len(cr.Methods) != len(lf.Methods) {
		t.Fatalf("%d methods with CRLF; want %d", len(cr.Methods), len(lf.Methods))
	}
	for i, m := range cr.Methods {
		if m.Selector != lf.Methods[i].Selector || len(m.Body.Statements) != len(lf.Methods[i].Body.Statements) {
			t.Errorf("method %d with CRLF: %s with %d statements; want %s with %d", i, m.Selector, len(m.Body.Statements), lf.Methods[i].Selector, len(lf.Methods[i].Body.Statements))
		}
	}
}

// TestByteOrderMark checks that a UTF-8 byte order mark, which editors on Windows may
// write, is read as white space in every kind of file.
func TestByteOrderMark(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	tests := []struct {
		name, src string
		kind      Kind
		methods   int
	}{
		{"tonel", bom + "Extension { #name : #Object }\r\n\r\n{ #category : #x }\r\nObject >> one [\r\n\t^ 1\r\n]\r\n", Tonel, 1},
		{"tonel with comment", bom + "\"A class\"\nClass { #name : #Foo }\n\n{ #category : #x }\nFoo >> one [ ^ 1 ]\n", Tonel, 1},
		{"chunk", bom + "!Foo methodsFor: 'x'!\none\n\t^ 1! !\n", Chunk, 1},
		{"script", bom + "| a | a := 3. a", Script, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k := KindOf("x.st", []byte(tt.src)); k != tt.kind {
				t.Errorf("KindOf = %v; want %v", k, tt.kind)
			}
			f := Parse([]byte(tt.src), tt.kind)
			if len(f.Errors) > 0 {
				t.Errorf("errors: %v", f.Errors)
			}
			if len(f.Methods) != tt.methods {
				t.Errorf("%d methods; want %d", len(f.Methods), tt.methods)
			}
		})
	}
}

// TestPrimitiveErrorSymbol checks that <primitive: n error: #ec> declares ec, as
// <primitive: n error: ec> does, and that other pragmas' symbols declare nothing.
func TestPrimitiveErrorSymbol(t *testing.T) {
	src := []byte("Class { #name : #Foo }\n\n" +
		"{ #category : #x }\nFoo >> a [\n\t<primitive: 97 error: #ec>\n\t^ ec\n]\n\n" +
		"{ #category : #x }\nFoo >> b [\n\t<primitive: 'p' module: 'M' error: ec>\n\t^ ec\n]\n\n" +
		"{ #category : #x }\nFoo >> c [\n\t<foo: #bar>\n\t^ bar\n]\n")
	f := Parse(src, Tonel)
	if len(f.Errors) > 0 {
		t.Fatalf("errors: %v", f.Errors)
	}
	for i, want := range []IdentKind{Temporary, Temporary, Undeclared} {
		body := f.Methods[i].Body
		at := bytes.LastIndex(src[:body.Loc.End], []byte("^ ")) + 2
		id, ok := f.IdentifierAt(at)
		if !ok || id.Kind != want {
			t.Errorf("%s: the returned variable is %+v, %v; want %s", f.Methods[i].Selector, id, ok, want)
			continue
		}
		if want == Temporary {
			decl := string(src[id.Decl.Loc.Start:id.Decl.Loc.End])
			if decl != "ec" || id.Decl.Loc.Start > f.Methods[i].Pragmas[0].Loc.End {
				t.Errorf("%s: ec resolves to %q at %v; want the name in the pragma", f.Methods[i].Selector, decl, id.Decl.Loc)
			}
		}
	}
}
