package smalltalk

import (
	"bytes"
	"path/filepath"
	"strings"
)

// Kind is the kind of a Smalltalk source file.
type Kind uint8

// The kinds of files.
const (
	Script Kind = iota // playground code: temporaries and statements (.st files that are neither of the others)
	Tonel              // a Tonel class, trait, extension or package file (.class.st, .trait.st, .extension.st, package.st)
	Chunk              // a chunk-format file-out, with ! delimiters (.st files starting with a chunk)
)

func (k Kind) String() string {
	switch k {
	case Tonel:
		return "tonel"
	case Chunk:
		return "chunk"
	}
	return "script"
}

// KindOf answers the kind of the file at path with content src. Tonel files are known by
// their name (.class.st, .trait.st, .extension.st, package.st) or, failing that, by a
// definition such as "Class {" at the start of a line; chunk files by a line ending in
// "!" or starting with "!" near the top; everything else is a script.
func KindOf(path string, src []byte) Kind {
	base := filepath.Base(path)
	for _, suffix := range []string{".class.st", ".trait.st", ".extension.st"} {
		if strings.HasSuffix(base, suffix) {
			return Tonel
		}
	}
	if base == "package.st" {
		return Tonel
	}
	head := src
	if len(head) > 4096 {
		head = head[:4096]
	}
	if defAt(src, skipCommentAndSpace(src, 0)) >= 0 {
		return Tonel
	}
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimRight(line, " \t\r")
		if bytes.HasPrefix(line, []byte("!")) && len(line) > 1 && line[1] != '!' ||
			bytes.HasSuffix(line, []byte("!")) && !bytes.HasSuffix(line, []byte("!!")) && len(line) > 1 ||
			bytes.HasSuffix(line, []byte("! !")) {
			return Chunk
		}
	}
	return Script
}

// File is a parsed Smalltalk file. Its parts are in source order; together they cover
// the whole input, and Errors says where it did not parse.
type File struct {
	Kind Kind
	Src  []byte
	// Classes are the definitions: a Tonel file's (at most one), or a chunk file's
	// subclass: expressions.
	Classes []*ClassDef
	// Methods are the methods, in source order.
	Methods []*Method
	// Scripts are the statements outside methods: a script's (one Sequence), or a chunk
	// file's do-it chunks.
	Scripts []*Sequence
	// Errors are the syntax errors, in source order.
	Errors []Error

	arena *arena // shared by the file's parsers
}

// newParser answers a parser of src[start:end] that interns names in f.
func (f *File) newParser(src []byte, start, end int) *parser {
	if f.arena == nil {
		f.arena = &arena{names: make(map[string]string, 256)}
	}
	p := newParser(src, start, end)
	p.arena = f.arena
	return p
}

// Span answers the range of the whole file.
func (f *File) Span() Span { return Span{0, len(f.Src)} }

// Parse parses src as a file of the given kind. It never fails: a file that does not
// parse has Errors, and the parts that did parse are still there.
func Parse(src []byte, kind Kind) *File {
	f := &File{Kind: kind, Src: src}
	switch kind {
	case Tonel:
		parseTonel(f)
	case Chunk:
		parseChunks(f)
	default:
		p := f.newParser(src, 0, len(src))
		seq := p.parseSequence(0, true)
		for p.tok.tok != tEOF {
			p.errorHere("unexpected " + p.text(p.tok) + " here")
			p.recovering = false
			p.next()
			p.parseStatements(seq)
		}
		seq.Loc = Span{0, len(src)}
		f.Scripts = []*Sequence{seq}
		f.Errors = p.errs
		resolveSequence(seq, nil, WorkspaceVariable)
	}
	sortErrors(f.Errors)
	return f
}

// ParseExpression parses src as playground code (a Script); it is Parse(src, Script).
func ParseExpression(src []byte) *File { return Parse(src, Script) }

func sortErrors(errs []Error) {
	// insertion sort: errors are nearly sorted already
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Loc.Start < errs[j-1].Loc.Start; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

// Class answers the definition of the class named name in the file, or nil.
func (f *File) Class(name string) *ClassDef {
	for _, c := range f.Classes {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// skipCommentAndSpace answers the offset of the first byte at or after i that is neither
// white space nor part of a comment.
func skipCommentAndSpace(src []byte, i int) int {
	s := scanner{src: src, pos: i, end: len(src)}
	s.skip()
	return s.pos
}

// defAt answers the end of "Class {", "Trait {", "Extension {" or "Package {" at src[i],
// or -1.
func defAt(src []byte, i int) int {
	for _, w := range []string{"Class", "Trait", "Extension", "Package"} {
		if bytes.HasPrefix(src[i:], []byte(w)) {
			j := i + len(w)
			for j < len(src) && isSeparator(src[j]) {
				j++
			}
			if j < len(src) && src[j] == '{' {
				return j
			}
		}
	}
	return -1
}
