// Package smalltalk parses Pharo Smalltalk source without asking Pharo: the scanner,
// parser and syntax tree behind stui-lsp's understanding of a document and behind
// `stui check`.
//
// Start with [Parse], which takes the content and a [Kind] (from [KindOf], which looks at
// the file name and content):
//
//   - [Tonel]: a class, trait, extension or package file as Pharo 12 writes it (also the
//     older symbol form): an optional class comment, a definition `Class { #name : 'Foo',
//     ... }`, then methods `{ #category : 'accessing' } Foo >> bar [ ... ]` and
//     `Foo class >> baz: x [ ... ]` (`classSide` in traits).
//   - [Script]: playground code, temporaries and statements.
//   - [Chunk]: a chunk-format file-out with `!` delimiters and `methodsFor:` chunks.
//
// Parse never fails and never panics. It answers a [File] whose definitions
// ([File.Classes]), methods ([File.Methods]) and scripts ([File.Scripts]) cover the
// input, and [File.Errors]: each syntax error with its byte range and a message a person
// understands. One bad statement or method never hides the rest: the parser resumes at the
// next statement, and in Tonel files at the next method (a body's end is found by
// matching brackets token by token, so `]` in strings, comments and `$]` is harmless, and
// skipping literal arrays whole as Tonel does).
//
// Every node has a byte range ([Span]); convert to LSP positions with
// lsp/internal/position. The nodes are [Variable], [Literal], [LiteralArray],
// [DynamicArray], [Block], [Sequence], [Assignment], [Send] (a receiver and a [Message]),
// [Cascade], [Return], [Paren], [Pragma], [BadExpr], [Method] and [ClassDef]; walk them
// with [Inspect].
//
// Queries for the language server:
//
//   - [File.NodeAt]: the path of nodes at an offset.
//   - [File.StatementsIn]: the statements covered by a selection, or the statement at the
//     cursor, and the byte range to evaluate.
//   - [File.EnclosingMethod], [File.EnclosingClass]: the method (class, side, selector,
//     category, body range) and class definition an offset belongs to.
//   - [File.IdentifierAt]: an identifier classified as a global (class reference),
//     temporary, argument, instance or class variable, workspace variable, pseudo-variable
//     or selector part (with the full selector); every [Variable] carries its [IdentKind].
//   - [File.Sends]: every message sent, with its full selector and its receiver.
//   - [File.Symbols]: the outline: classes, categories, instance- and class-side methods.
//
// A File is not modified by queries, so it may be shared between goroutines. Editing:
// [File.Reparse] reparses a Tonel file after an edit inside one method body, reusing the
// other methods (it consumes the old File), and falls back to a full parse otherwise.
//
// Parse reads what Pharo 12 and 13 read: numbers as NumberParser does (16r1F, 2r1e4,
// 16r-FF, -16rFF, 1.5e-3, 1.5s2, 1s, large integers), a negative literal after an operand
// as a subtraction (x-1), binary selectors as any run of binary characters (->, ==>, ~~),
// "foo:bar:" inside literal arrays as one symbol, [ and ] inside literal arrays as symbols
// (#(char name[16]), matched or not), a | glued to other binary characters read alone
// where a bar may stand, as Pharo's stepBar does ([:a || t | ...], [:a|||a]), pragmas
// before and after the temporaries (with literal or variable arguments, as in
// <primitive: 60 error: ec>), Pharo 13's annotations (a lone @ starting an expression, as
// in @meaning: 42, is the pseudo-variable "@" receiving the message), Unicode letters and
// _ in identifiers, and slots ("#x => ObservableSlot", see [SlotName]) in Tonel
// definitions. Tonel maps are read as STON reads them: unquoted symbols may hold - _ . /
// (#Kernel-Numbers, as older Tonel files write categories), and a backslash escapes a
// character in a string ('it\'s'); a method's metadata map may span lines or be empty
// ({ }). Every method signature of Pharo 12 and 13 is parsed by the tests when
// shared/pharo-api is present.
//
// The package lsp/smalltalk/check builds `stui check` on top of this package.
package smalltalk
