package smalltalk

import (
	"unicode"
	"unicode/utf8"
)

// tokenKind is the kind of a lexical token.
type tokenKind uint8

// The tokens of Pharo Smalltalk.
const (
	tEOF          tokenKind = iota
	tIdent                  // foo, Foo, true, false, nil, self
	tKeyword                // foo:
	tBinary                 // + - -> ==> , | (any run of binary characters)
	tNumber                 // 3 -3 16r1F 1.5e-3 1.5s2 2r1e4
	tString                 // 'it''s'
	tSymbol                 // #foo #foo:bar: #+ #'with spaces'
	tCharacter              // $a $' $  (dollar and space)
	tLiteralArray           // #(
	tByteArray              // #[
	tLParen                 // (
	tRParen                 // )
	tLBracket               // [
	tRBracket               // ]
	tLBrace                 // {
	tRBrace                 // }
	tColon                  // :
	tAssign                 // :=
	tCaret                  // ^
	tPeriod                 // .
	tSemicolon              // ;
	tIllegal                // a character Pharo does not read, or an unterminated literal
)

var tokenNames = [...]string{
	tEOF: "end of input", tIdent: "identifier", tKeyword: "keyword",
	tBinary: "binary selector", tNumber: "number", tString: "string", tSymbol: "symbol",
	tCharacter: "character", tLiteralArray: "#(", tByteArray: "#[", tLParen: "(", tRParen: ")",
	tLBracket: "[", tRBracket: "]", tLBrace: "{", tRBrace: "}", tColon: ":", tAssign: ":=",
	tCaret: "^", tPeriod: ".", tSemicolon: ";", tIllegal: "illegal character",
}

func (t tokenKind) String() string {
	if int(t) < len(tokenNames) {
		return tokenNames[t]
	}
	return "token"
}

// isBinaryChar reports whether c is one of Pharo's binary selector characters
// (tCharacter specialCharacters).
func isBinaryChar(c byte) bool {
	switch c {
	case '+', '-', '/', '\\', '*', '~', '<', '>', '=', '@', ',', '%', '|', '&', '?', '!':
		return true
	}
	return false
}

// binaryAt answers the size of the binary selector character at src[i], or 0: an ASCII
// one, or one of the Latin-1 signs Pharo also counts (· ÷ ± ×).
func binaryAt(src []byte, i int) int {
	c := src[i]
	if c < utf8.RuneSelf {
		if isBinaryChar(c) {
			return 1
		}
		return 0
	}
	if c != 0xC2 && c != 0xC3 || i+1 >= len(src) {
		return 0
	}
	switch r := rune(c&0x1F)<<6 | rune(src[i+1]&0x3F); r {
	case 0xB7, 0xF7, 0xB1, 0xD7:
		if src[i+1]&0xC0 == 0x80 {
			return 2
		}
	}
	return 0
}

// bomLen answers the size of the UTF-8 byte order mark src starts with, or 0. Editors on
// Windows may write one; Pharo never does, and it means nothing to the code.
func bomLen(src []byte) int {
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		return 3
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSeparator(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', 0:
		return true
	}
	return false
}

// letterAt answers the size of the identifier character (letter, digit or underscore) at
// src[i], or 0. Non-ASCII letters count, as they do in Pharo.
func letterAt(src []byte, i int, digits bool) int {
	c := src[i]
	if c < utf8.RuneSelf {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || digits && isDigit(c) {
			return 1
		}
		return 0
	}
	r, size := utf8.DecodeRune(src[i:])
	if r != utf8.RuneError && unicode.IsLetter(r) {
		return size
	}
	return 0
}

// digitValue answers the value of c as a digit (0-9, A-Z, a-z), or 99.
func digitValue(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 10
	}
	return 99
}

// scanner splits src[start:end] into tokens, skipping white space and comments.
type scanner struct {
	src  []byte
	pos  int
	end  int
	errf func(start, end int, msg string) // reports lexical errors; may be nil
	// ston makes strings read as STON (Tonel metadata) reads them: a backslash escapes
	// the character after it, as in 'it\'s'.
	ston bool
}

// token is one scanned token: its kind and its byte range.
type token struct {
	tok        tokenKind
	start, end int
}

func (s *scanner) error(start, end int, msg string) {
	if s.errf != nil {
		s.errf(start, end, msg)
	}
}

// skip skips white space and comments, and a byte order mark at the start of the file.
func (s *scanner) skip() {
	for s.pos < s.end {
		c := s.src[s.pos]
		if isSeparator(c) {
			s.pos++
			continue
		}
		if s.pos == 0 && bomLen(s.src[:s.end]) == 3 {
			s.pos = 3
			continue
		}
		if c != '"' {
			return
		}
		start := s.pos
		s.pos = s.commentEnd(s.pos)
		if s.pos > s.end {
			s.pos = s.end
			s.error(start, s.end, "unterminated comment: a comment opened with \" has no closing \"")
		}
	}
}

// commentEnd answers the offset after the comment starting at i (a '"'); a doubled
// quote inside is part of the comment. It answers end+1 if the comment is unterminated.
func (s *scanner) commentEnd(i int) int {
	i++
	for i < s.end {
		if s.src[i] == '"' {
			if i+1 < s.end && s.src[i+1] == '"' {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return s.end + 1
}

// next scans the next token.
func (s *scanner) next() token {
	s.skip()
	start := s.pos
	if s.pos >= s.end {
		return token{tEOF, s.end, s.end}
	}
	src := s.src
	c := src[s.pos]
	switch {
	case letterAt(src, s.pos, false) > 0:
		s.scanName()
		if s.pos < s.end && src[s.pos] == ':' && !(s.pos+1 < s.end && src[s.pos+1] == '=') {
			s.pos++
			return token{tKeyword, start, s.pos}
		}
		return token{tIdent, start, s.pos}
	case isDigit(c) || c == '-' && s.pos+1 < s.end && isDigit(src[s.pos+1]):
		s.pos = scanNumber(src[:s.end], s.pos)
		return token{tNumber, start, s.pos}
	case binaryAt(src[:s.end], s.pos) > 0:
		s.scanBinary()
		return token{tBinary, start, s.pos}
	}
	s.pos++
	switch c {
	case '(':
		return token{tLParen, start, s.pos}
	case ')':
		return token{tRParen, start, s.pos}
	case '[':
		return token{tLBracket, start, s.pos}
	case ']':
		return token{tRBracket, start, s.pos}
	case '{':
		return token{tLBrace, start, s.pos}
	case '}':
		return token{tRBrace, start, s.pos}
	case '^':
		return token{tCaret, start, s.pos}
	case '.':
		return token{tPeriod, start, s.pos}
	case ';':
		return token{tSemicolon, start, s.pos}
	case ':':
		if s.pos < s.end && src[s.pos] == '=' {
			s.pos++
			return token{tAssign, start, s.pos}
		}
		return token{tColon, start, s.pos}
	case '\'':
		if !s.scanString() {
			s.error(start, s.pos, "unterminated string: a string opened with ' has no closing '")
			return token{tIllegal, start, s.pos}
		}
		return token{tString, start, s.pos}
	case '$':
		if s.pos >= s.end {
			s.error(start, s.pos, "a character literal needs a character after $")
			return token{tIllegal, start, s.pos}
		}
		_, size := utf8.DecodeRune(src[s.pos:s.end])
		s.pos += size
		return token{tCharacter, start, s.pos}
	case '#':
		return s.scanLiteral(start)
	}
	// Not a character Pharo reads: report the whole (possibly multi-byte) character.
	s.pos = start
	_, size := utf8.DecodeRune(src[s.pos:s.end])
	s.pos += size
	s.error(start, s.pos, "unexpected character "+quoteChar(src[start:s.pos]))
	return token{tIllegal, start, s.pos}
}

func quoteChar(b []byte) string {
	r, _ := utf8.DecodeRune(b)
	if r == utf8.RuneError || !unicode.IsPrint(r) {
		return "U+" + hex4(r)
	}
	return "'" + string(r) + "'"
}

func hex4(r rune) string {
	const digits = "0123456789ABCDEF"
	b := []byte{}
	for i := 12; i >= 0; i -= 4 {
		b = append(b, digits[(r>>uint(i))&0xF])
	}
	return string(b)
}

func (s *scanner) scanBinary() {
	for s.pos < s.end {
		n := binaryAt(s.src[:s.end], s.pos)
		if n == 0 {
			return
		}
		s.pos += n
	}
}

func (s *scanner) scanName() {
	for s.pos < s.end {
		n := letterAt(s.src, s.pos, true)
		if n == 0 {
			return
		}
		s.pos += n
	}
}

// scanString scans a string whose opening quote is before s.pos; doubled quotes stand
// for one. It reports whether the string is terminated.
func (s *scanner) scanString() bool {
	for s.pos < s.end {
		if s.ston && s.src[s.pos] == '\\' && s.pos+1 < s.end {
			s.pos += 2
			continue
		}
		if s.src[s.pos] == '\'' {
			if s.pos+1 < s.end && s.src[s.pos+1] == '\'' {
				s.pos += 2
				continue
			}
			s.pos++
			return true
		}
		s.pos++
	}
	return false
}

// scanLiteral scans what follows a '#': a symbol, #( or #[. Several '#' in a row are
// read as one, as Pharo does.
func (s *scanner) scanLiteral(start int) token {
	src := s.src
	for s.pos < s.end && src[s.pos] == '#' {
		s.pos++
	}
	if s.pos >= s.end {
		s.error(start, s.pos, "expected a symbol, #( or #[ after #")
		return token{tIllegal, start, s.pos}
	}
	c := src[s.pos]
	switch {
	case letterAt(src, s.pos, false) > 0:
		for s.pos < s.end && (letterAt(src, s.pos, false) > 0 || src[s.pos] == ':') {
			s.scanName()
			if s.pos < s.end && src[s.pos] == ':' {
				s.pos++
			}
		}
		return token{tSymbol, start, s.pos}
	case binaryAt(src[:s.end], s.pos) > 0:
		s.scanBinary()
		return token{tSymbol, start, s.pos}
	case c == '\'':
		s.pos++
		if !s.scanString() {
			s.error(start, s.pos, "unterminated symbol: #' has no closing '")
			return token{tIllegal, start, s.pos}
		}
		return token{tSymbol, start, s.pos}
	case c == '(':
		s.pos++
		return token{tLiteralArray, start, s.pos}
	case c == '[':
		s.pos++
		return token{tByteArray, start, s.pos}
	}
	s.error(start, s.pos, "expected a symbol, #( or #[ after #")
	return token{tIllegal, start, s.pos}
}

// scanNumber answers the end of the number starting at src[i], read as Pharo's
// NumberParser reads it: an optional '-', digits, an optional radix ("16r", with an
// optional '-' after it), an optional fraction, then an exponent (e, d or q, with an
// optional '-') or a scale (s, with optional digits).
func scanNumber(src []byte, i int) int {
	if src[i] == '-' {
		i++
	}
	j := digits(src, i, 10)
	base := 10
	if j < len(src) && src[j] == 'r' {
		b := 0
		for k := i; k < j && b <= 36; k++ {
			b = b*10 + int(src[k]-'0')
		}
		if b >= 2 && b <= 36 {
			k := j + 1
			if k < len(src) && src[k] == '-' {
				k++
			}
			if e := digits(src, k, b); e > k {
				j, base = e, b
			}
		}
	}
	if j+1 < len(src) && src[j] == '.' {
		if e := digits(src, j+1, base); e > j+1 {
			j = e
		}
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'd' || src[j] == 'q') {
		k := j + 1
		if k < len(src) && src[k] == '-' {
			k++
		}
		if e := digits(src, k, 10); e > k {
			return e
		}
	}
	if j < len(src) && src[j] == 's' {
		k := j + 1
		if e := digits(src, k, 10); e > k {
			return e
		}
		if k < len(src) && letterAt(src, k, false) > 0 {
			return j
		}
		return k
	}
	return j
}

// digits answers the end of the run of digits of base starting at src[i].
func digits(src []byte, i, base int) int {
	for i < len(src) && digitValue(src[i]) < base {
		i++
	}
	return i
}
