package lsp

import (
	"context"
	"sort"
	"strings"

	"go.lsp.dev/protocol"
)

// maxCompletions caps a completion list; a longer one is marked incomplete so that the
// client asks again as the user types.
const maxCompletions = 100

// Completion answers classes, selectors and variables from the local index of the image
// and from the workspace's files: it never waits for the image.
func (s *server) Completion(ctx context.Context, params *protocol.CompletionParams) (*protocol.CompletionList, error) {
	d, err := s.document(params.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	offset, _ := d.Mapper.Offset(toPoint(params.Position))
	cc := completionContextAt(d.Text(), offset)
	l := &completionList{prefix: cc.prefix, seen: map[string]bool{}}
	f := s.ws.folderOf(d.Path)
	var idx *classIndex
	if c, err := s.live.conn(f); err == nil {
		idx = c.index
	}
	switch {
	case cc.classReceiver != "":
		// Receiver-aware: the class side of a class literal.
		if idx != nil {
			for _, sel := range idx.classSideSelectors(cc.classReceiver) {
				l.add(sel, protocol.CompletionItemKindMethod, cc.classReceiver+" class")
			}
		}
		for _, sel := range s.wsIdx.classSideSelectors(cc.classReceiver) {
			l.add(sel, protocol.CompletionItemKindMethod, cc.classReceiver+" class")
		}
	case cc.message:
		s.wsIdx.selectorsWithPrefix(cc.prefix, func(sel string) bool { return l.add(sel, protocol.CompletionItemKindMethod, "workspace") })
		if idx != nil {
			idx.selectorsWithPrefix(cc.prefix, func(sel string) bool { return l.add(sel, protocol.CompletionItemKindMethod, "") })
		}
	default:
		for _, v := range s.variablesAt(d, f, offset) {
			l.add(v.name, protocol.CompletionItemKindVariable, v.detail)
		}
		if cc.prefix == "" || isUpper(cc.prefix[0]) {
			s.wsIdx.classesWithPrefix(cc.prefix, func(name string) bool { return l.add(name, protocol.CompletionItemKindClass, "workspace") })
			if idx != nil {
				idx.classesWithPrefix(cc.prefix, func(c indexedClass) bool { return l.add(c.Name, protocol.CompletionItemKindClass, c.Package) })
			}
		}
	}
	return &protocol.CompletionList{IsIncomplete: l.full, Items: l.items}, nil
}

type completionList struct {
	prefix string
	items  []protocol.CompletionItem
	seen   map[string]bool
	full   bool
}

// add adds a candidate that starts with the prefix; it answers false once the list is
// full.
func (l *completionList) add(label string, kind protocol.CompletionItemKind, detail string) bool {
	if !strings.HasPrefix(label, l.prefix) || l.seen[label] {
		return !l.full
	}
	if len(l.items) >= maxCompletions {
		l.full = true
		return false
	}
	l.seen[label] = true
	l.items = append(l.items, protocol.CompletionItem{Label: label, Kind: kind, Detail: detail})
	return true
}

// completionContext is what the text before the cursor says about the completion.
type completionContext struct {
	prefix        string // the identifier (or keyword) being typed
	message       bool   // in message position: after a receiver
	classReceiver string // the receiver is this class literal
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// completionContextAt reads the text before offset: the prefix being typed and the token
// before it, which tells a message position (after an identifier, a literal or a closing
// bracket) from an expression position.
func completionContextAt(src []byte, offset int) completionContext {
	offset = max(0, min(offset, len(src)))
	start := offset
	for start > 0 && (isIdentByte(src[start-1]) || src[start-1] == ':') {
		start--
	}
	cc := completionContext{prefix: string(src[start:offset])}
	i := start
	for i > 0 && (src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n' || src[i-1] == '\r') {
		i--
	}
	if i == start && start > 0 && src[start-1] != ' ' {
		// no space before the prefix: it continues whatever precedes it
		if !isIdentByte(src[start-1]) {
			return cc
		}
	}
	if i == 0 {
		return cc
	}
	prev := src[i-1]
	switch {
	case isIdentByte(prev):
		end := i
		j := i
		for j > 0 && isIdentByte(src[j-1]) {
			j--
		}
		word := string(src[j:end])
		if j > 0 && (src[j-1] == ':' || src[j-1] == '#') {
			// a keyword's argument already? "at: foo |" — foo is an argument: message position
			if src[j-1] == '#' {
				cc.message = true
				return cc
			}
		}
		if len(word) > 0 && word[0] >= '0' && word[0] <= '9' {
			cc.message = true
			return cc
		}
		cc.message = true
		if isUpper(word[0]) {
			cc.classReceiver = word
		}
	case prev == ')' || prev == ']' || prev == '}' || prev == '\'':
		cc.message = true
	}
	return cc
}

// variable is a variable name offered by completion.
type variable struct{ name, detail string }

// variablesAt answers the variables visible at offset: the method's or script's
// arguments and temporaries, the class's instance variables, and the session's workspace
// variables.
func (s *server) variablesAt(d *document, f folder, offset int) []variable {
	vs := s.localVariables(d, offset)
	if c, err := s.live.conn(f); err == nil {
		for _, name := range c.sessions.variables(f.Path) {
			vs = append(vs, variable{name, "workspace variable"})
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].name < vs[j].name })
	return vs
}
