package lsp

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/lsp/internal/position"
	"github.com/stui-dev/stui/lsp/smalltalk"
)

// This file is the static side of the server, which works without Pharo: document
// symbols, folding and selection ranges, and the index of the workspace's files behind
// workspace symbols, completion of workspace classes and definitions in Tonel files.

// wsClass is a class defined in a workspace file.
type wsClass struct {
	Name, Kind, Superclass, Package, Comment string
	InstVars                                 []string
	Loc                                      protocol.Location
}

// wsMethod is a method defined in a workspace file.
type wsMethod struct {
	Class    string
	Meta     bool
	Selector string
	Args     []string
	Category string
	Loc      protocol.Location
}

type fileIndex struct {
	classes []wsClass
	methods []wsMethod
}

// workspaceIndex indexes the Smalltalk files of the workspace folders; open documents
// replace their file's entry as they change.
type workspaceIndex struct {
	mu        sync.RWMutex          // guards the fields below
	files     map[string]*fileIndex // by path (or URI for non-file documents)
	classes   []string              // sorted names of all classes
	selectors []string              // sorted, unique selectors of all methods
}

func newWorkspaceIndex() *workspaceIndex { return &workspaceIndex{files: map[string]*fileIndex{}} }

// Limits of the workspace scan.
const (
	maxIndexedFiles = 20000
	maxIndexedSize  = 4 << 20
)

// indexFile parses src and records its classes and methods under key.
func (x *workspaceIndex) indexFile(key string, u protocol.DocumentURI, f *smalltalk.File, m *position.Mapper) {
	fi := &fileIndex{}
	loc := func(sp smalltalk.Span) protocol.Location {
		r, _ := m.Range(sp.Start, sp.End)
		return protocol.Location{URI: u, Range: fromRange(r)}
	}
	for _, c := range f.Classes {
		if c.Kind != smalltalk.ClassKind && c.Kind != smalltalk.TraitKind {
			continue
		}
		var ivs []string
		for _, v := range c.InstVars {
			ivs = append(ivs, v.Name)
		}
		fi.classes = append(fi.classes, wsClass{Name: c.Name, Kind: c.Kind.String(), Superclass: c.Superclass,
			Package: c.Package, Comment: c.Comment, InstVars: ivs, Loc: loc(c.NameLoc)})
	}
	for _, me := range f.Methods {
		var args []string
		for _, p := range me.Params {
			args = append(args, p.Name)
		}
		sp := me.Header
		if sp.Len() == 0 {
			sp = me.Loc
		}
		fi.methods = append(fi.methods, wsMethod{Class: me.Class, Meta: me.Meta, Selector: me.Selector, Args: args, Category: me.Category, Loc: loc(sp)})
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.files[key] = fi
	x.rebuildLocked()
}

// remove drops the entry of path, and those of the files under it (a deleted directory).
func (x *workspaceIndex) remove(path string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := len(x.files)
	for k := range x.files {
		if k == path || strings.HasPrefix(k, path+string(filepath.Separator)) {
			delete(x.files, k)
		}
	}
	if len(x.files) != n {
		x.rebuildLocked()
	}
}

func (x *workspaceIndex) rebuildLocked() {
	cs := map[string]bool{}
	ss := map[string]bool{}
	for _, fi := range x.files {
		for _, c := range fi.classes {
			cs[c.Name] = true
		}
		for _, m := range fi.methods {
			ss[m.Selector] = true
		}
	}
	x.classes = sortedKeys(cs)
	x.selectors = sortedKeys(ss)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scan indexes every .st file under the folders, within the limits, until ctx is done.
func (x *workspaceIndex) scan(ctx context.Context, log *zap.Logger, folders []folder) {
	n := 0
	for _, fo := range folders {
		_ = filepath.WalkDir(fo.Path, func(path string, de fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				return nil
			}
			if de.IsDir() {
				name := de.Name()
				if path != fo.Path && (strings.HasPrefix(name, ".") || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".st") {
				return nil
			}
			if n++; n > maxIndexedFiles {
				return filepath.SkipAll
			}
			info, err := de.Info()
			if err != nil || info.Size() > maxIndexedSize {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			x.indexFile(path, protocol.DocumentURI(uri.File(path)), smalltalk.Parse(src, smalltalk.KindOf(path, src)), position.NewMapper(src))
			return nil
		})
	}
	if n > maxIndexedFiles {
		log.Warn("the workspace has too many Smalltalk files; only some are indexed", zap.Int("limit", maxIndexedFiles))
	}
}

func (x *workspaceIndex) each(f func(*fileIndex)) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, fi := range x.files {
		f(fi)
	}
}

func (x *workspaceIndex) class(name string) *wsClass {
	var found *wsClass
	x.each(func(fi *fileIndex) {
		for i := range fi.classes {
			if fi.classes[i].Name == name && found == nil {
				c := fi.classes[i]
				found = &c
			}
		}
	})
	return found
}

func (x *workspaceIndex) methods(match func(wsMethod) bool) []wsMethod {
	var out []wsMethod
	x.each(func(fi *fileIndex) {
		for _, m := range fi.methods {
			if match(m) {
				out = append(out, m)
			}
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Class != out[j].Class {
			return out[i].Class < out[j].Class
		}
		return out[i].Selector < out[j].Selector
	})
	return out
}

func (x *workspaceIndex) implementors(selector string) []bridge.MethodRef {
	var out []bridge.MethodRef
	for _, m := range x.methods(func(m wsMethod) bool { return m.Selector == selector }) {
		out = append(out, bridge.MethodRef{ClassName: m.Class, Meta: m.Meta, Selector: m.Selector, Category: m.Category, ArgumentNames: m.Args})
	}
	return out
}

func (x *workspaceIndex) classSideSelectors(class string) []string {
	var out []string
	seen := map[string]bool{}
	for depth := 0; class != "" && depth < 64 && !seen[class]; depth++ {
		seen[class] = true
		for _, m := range x.methods(func(m wsMethod) bool { return m.Class == class && m.Meta }) {
			out = append(out, m.Selector)
		}
		c := x.class(class)
		if c == nil {
			break
		}
		class = c.Superclass
	}
	return out
}

func (x *workspaceIndex) classesWithPrefix(prefix string, f func(string) bool) {
	x.mu.RLock()
	names := x.classes
	x.mu.RUnlock()
	for i := sort.SearchStrings(names, prefix); i < len(names) && strings.HasPrefix(names[i], prefix); i++ {
		if !f(names[i]) {
			return
		}
	}
}

func (x *workspaceIndex) selectorsWithPrefix(prefix string, f func(string) bool) {
	x.mu.RLock()
	sels := x.selectors
	x.mu.RUnlock()
	for i := sort.SearchStrings(sels, prefix); i < len(sels) && strings.HasPrefix(sels[i], prefix); i++ {
		if !f(sels[i]) {
			return
		}
	}
}

// DocumentSymbol answers the outline: classes with their methods, and a script's
// top-level assignments.
func (s *server) DocumentSymbol(ctx context.Context, params *protocol.DocumentSymbolParams) ([]any, error) {
	d, err := s.document(params.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	f := d.file()
	var out []any
	byClass := map[string]*protocol.DocumentSymbol{}
	var classes []*protocol.DocumentSymbol
	for _, c := range f.Classes {
		kind := protocol.SymbolKindClass
		if c.Kind == smalltalk.TraitKind {
			kind = protocol.SymbolKindInterface
		} else if c.Kind == smalltalk.PackageKind {
			kind = protocol.SymbolKindPackage
		}
		sym := &protocol.DocumentSymbol{Name: c.Name, Detail: c.Kind.String(), Kind: kind,
			Range: d.lspRange(c.Loc), SelectionRange: d.lspRange(c.NameLoc)}
		for _, v := range c.InstVars {
			sym.Children = append(sym.Children, protocol.DocumentSymbol{Name: v.Name, Kind: protocol.SymbolKindField,
				Range: d.lspRange(v.Loc), SelectionRange: d.lspRange(v.Loc)})
		}
		byClass[c.Name] = sym
		classes = append(classes, sym)
	}
	var loose []protocol.DocumentSymbol
	for _, m := range f.Methods {
		name := m.Selector
		if m.Meta {
			name = "class>>" + name
		}
		sel := m.Header
		if sel.Len() == 0 {
			sel = m.Loc
		}
		ms := protocol.DocumentSymbol{Name: name, Detail: m.Category, Kind: protocol.SymbolKindMethod,
			Range: d.lspRange(m.Loc), SelectionRange: d.lspRange(sel)}
		if c := byClass[m.Class]; c != nil {
			c.Children = append(c.Children, ms)
		} else {
			ms.Name = className(m.Class, m.Meta) + ">>" + m.Selector
			loose = append(loose, ms)
		}
	}
	for _, c := range classes {
		out = append(out, *c)
	}
	for _, m := range loose {
		out = append(out, m)
	}
	for _, seq := range f.Scripts {
		for _, st := range seq.Statements {
			if a, ok := st.(*smalltalk.Assignment); ok && a.Var != nil {
				out = append(out, protocol.DocumentSymbol{Name: a.Var.Name, Kind: protocol.SymbolKindVariable,
					Range: d.lspRange(a.Loc), SelectionRange: d.lspRange(a.Var.Loc)})
			}
		}
	}
	return out, nil
}

// FoldingRanges folds class definitions, methods, blocks and comments that span lines.
func (s *server) FoldingRanges(ctx context.Context, params *protocol.FoldingRangeParams) ([]protocol.FoldingRange, error) {
	d, err := s.document(params.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	var out []protocol.FoldingRange
	add := func(sp smalltalk.Span, kind protocol.FoldingRangeKind) {
		r := d.lspRange(sp)
		if r.End.Line > r.Start.Line {
			out = append(out, protocol.FoldingRange{StartLine: r.Start.Line, EndLine: r.End.Line, Kind: kind})
		}
	}
	for _, r := range d.file().Nodes() {
		smalltalk.Inspect(r, func(n smalltalk.Node) bool {
			switch n := n.(type) {
			case *smalltalk.ClassDef:
				add(n.Loc, protocol.RegionFoldingRange)
				if n.CommentLoc.Len() > 0 {
					add(n.CommentLoc, protocol.CommentFoldingRange)
				}
			case *smalltalk.Method, *smalltalk.Block, *smalltalk.LiteralArray, *smalltalk.DynamicArray:
				add(n.Span(), protocol.RegionFoldingRange)
			}
			return true
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartLine < out[j].StartLine })
	return out, nil
}

// methodSelectionRange is textDocument/selectionRange (not in protocol.Server v0.12.0).
const methodSelectionRange = "textDocument/selectionRange"

// SelectionRangeParams is textDocument/selectionRange's parameters.
type SelectionRangeParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	Positions    []protocol.Position             `json:"positions"`
}

// selectionRange answers, for each position, the nested syntax nodes around it,
// innermost first.
func (s *server) selectionRange(ctx context.Context, p *SelectionRangeParams) ([]protocol.SelectionRange, error) {
	d, err := s.document(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	out := make([]protocol.SelectionRange, 0, len(p.Positions))
	whole := smalltalk.Span{Start: 0, End: len(d.Text())}
	for _, pos := range p.Positions {
		offset, _ := d.Mapper.Offset(toPoint(pos))
		path := pathAt(d.file(), offset)
		sr := &protocol.SelectionRange{Range: d.lspRange(whole)}
		last := whole
		for _, n := range path {
			sp := n.Span()
			if sp == last {
				continue
			}
			sr = &protocol.SelectionRange{Range: d.lspRange(sp), Parent: sr}
			last = sp
		}
		if w, sp := wordAt(d.Text(), offset); w != "" && sp != last && sp.Len() < last.Len() {
			sr = &protocol.SelectionRange{Range: d.lspRange(sp), Parent: sr}
		}
		out = append(out, *sr)
	}
	return out, nil
}

// maxWorkspaceSymbols caps workspace/symbol answers.
const maxWorkspaceSymbols = 500

// Symbols is workspace/symbol: classes and methods of the workspace's files whose name
// contains the query (case-insensitive), then the image's classes starting with it.
func (s *server) Symbols(ctx context.Context, params *protocol.WorkspaceSymbolParams) ([]protocol.SymbolInformation, error) {
	q := strings.ToLower(params.Query)
	var out []protocol.SymbolInformation
	seen := map[string]bool{}
	s.wsIdx.each(func(fi *fileIndex) {
		for _, c := range fi.classes {
			if strings.Contains(strings.ToLower(c.Name), q) {
				out = append(out, protocol.SymbolInformation{Name: c.Name, Kind: protocol.SymbolKindClass, Location: c.Loc, ContainerName: c.Package})
				seen[c.Name] = true
			}
		}
		for _, m := range fi.methods {
			if strings.Contains(strings.ToLower(m.Selector), q) {
				out = append(out, protocol.SymbolInformation{Name: m.Selector, Kind: protocol.SymbolKindMethod, Location: m.Loc, ContainerName: className(m.Class, m.Meta)})
			}
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ContainerName < out[j].ContainerName
	})
	if len(out) > maxWorkspaceSymbols {
		return out[:maxWorkspaceSymbols], nil
	}
	// Image classes (from the local index: no round trip) open as their definition does.
	if params.Query != "" {
		f := s.ws.folderOf("")
		if c, err := s.live.conn(f); err == nil {
			c.index.classesWithPrefix(params.Query, func(ic indexedClass) bool {
				if seen[ic.Name] {
					return true
				}
				path, err := s.writeScratch(scratchName(ic.Name), indexedClassDefinition(ic))
				if err != nil {
					return false
				}
				loc := protocol.Location{URI: protocol.DocumentURI(uri.File(path))}
				out = append(out, protocol.SymbolInformation{Name: ic.Name, Kind: protocol.SymbolKindClass, Location: loc, ContainerName: ic.Package})
				return len(out) < maxWorkspaceSymbols
			})
		}
	}
	return out, nil
}

// indexedClassDefinition renders what the local index knows of a class; definition
// replaces it with the image's full description.
func indexedClassDefinition(c indexedClass) string {
	return classDefinition(bridge.ClassDescription{Name: c.Name, Superclass: c.Superclass, Package: c.Package, ClassSelectors: c.ClassSelectors})
}

// readDocument reads a workspace file as a document (not open in the editor).
func readDocument(path string) (*document, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > maxIndexedSize {
		return nil, fmt.Errorf("%s is too large", path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return newDocument(protocol.DocumentURI(uri.File(path)), 0, src), nil
}
