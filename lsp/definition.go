package lsp

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/lsp/smalltalk"
)

// Definitions and references point into the workspace's Tonel files when the class or
// method is defined there. What lives only in the image is written, read-only, to a
// scratch directory (one file per method or class, named Class>>selector.st) and answered
// as a file: URI, which every client can open.

// maxSourceFetches bounds the method sources fetched for one definition or references
// request.
const maxSourceFetches = 50

func (s *server) Definition(ctx context.Context, params *protocol.DefinitionParams) ([]protocol.Location, error) {
	d, err := s.document(params.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	offset, _ := d.Mapper.Offset(toPoint(params.Position))
	t := targetAt(d, offset)
	f := s.ws.folderOf(d.Path)
	ctx, cancel := context.WithTimeout(ctx, f.Opts.requestDeadline())
	defer cancel()
	switch t.kind {
	case targetClass:
		if c := s.wsIdx.class(t.name); c != nil {
			return []protocol.Location{c.Loc}, nil
		}
		loc, err := s.imageClassLocation(ctx, f, t.name)
		if err != nil {
			return nil, liveError("definition of "+t.name, err)
		}
		return []protocol.Location{loc}, nil
	case targetSelector:
		return s.implementorLocations(ctx, f, t.name)
	case targetVariable:
		if t.variable != nil && t.variable.Decl != nil && t.variable.Decl != t.variable {
			return []protocol.Location{{URI: d.URI, Range: d.lspRange(t.variable.Decl.Loc)}}, nil
		}
	}
	return nil, nil
}

// implementorLocations answers where the implementors of selector are: the workspace's
// methods first, then the image's others.
func (s *server) implementorLocations(ctx context.Context, f folder, selector string) ([]protocol.Location, error) {
	var out []protocol.Location
	inWS := map[string]bool{}
	for _, m := range s.wsIdx.methods(func(m wsMethod) bool { return m.Selector == selector }) {
		out = append(out, m.Loc)
		inWS[className(m.Class, m.Meta)] = true
	}
	var res bridge.ImplementorsResult
	err := s.live.call(ctx, f, f.Opts.requestDeadline(), bridge.Implementors, &bridge.ImplementorsParams{Selector: selector, Limit: maxSourceFetches}, &res)
	if err != nil {
		if len(out) > 0 {
			return out, nil
		}
		return nil, liveError("implementors of #"+selector, err)
	}
	for _, m := range res.Implementors {
		if inWS[className(m.ClassName, m.Meta)] {
			continue
		}
		loc, err := s.imageMethodLocation(ctx, f, m)
		if err != nil {
			break // the deadline passed: answer what we have
		}
		out = appendLocation(out, loc)
	}
	return out, nil
}

// appendLocation appends loc unless out has it.
func appendLocation(out []protocol.Location, loc protocol.Location) []protocol.Location {
	for _, l := range out {
		if l == loc {
			return out
		}
	}
	return append(out, loc)
}

// imageMethodLocation writes a method's source from the image to a read-only scratch file.
func (s *server) imageMethodLocation(ctx context.Context, f folder, m bridge.MethodRef) (protocol.Location, error) {
	var src bridge.MethodSourceResult
	if err := s.live.call(ctx, f, f.Opts.requestDeadline(), bridge.MethodSource,
		&bridge.MethodSourceParams{ClassName: m.ClassName, Selector: m.Selector, Meta: m.Meta}, &src); err != nil {
		return protocol.Location{}, err
	}
	header := fmt.Sprintf("\"%s>>%s — from the image", className(src.ClassName, src.Meta), src.Selector)
	if src.Package != "" {
		header += ", package " + src.Package
	}
	header += "; read-only\"\n"
	path, err := s.writeScratch(scratchName(className(src.ClassName, src.Meta)+">>"+src.Selector), header+src.Source+"\n")
	if err != nil {
		return protocol.Location{}, err
	}
	line := uint32(1)
	return protocol.Location{URI: protocol.DocumentURI(uri.File(path)), Range: protocol.Range{Start: protocol.Position{Line: line}, End: protocol.Position{Line: line}}}, nil
}

// imageClassLocation writes a class's definition from the image to a read-only scratch
// file.
func (s *server) imageClassLocation(ctx context.Context, f folder, name string) (protocol.Location, error) {
	var cd bridge.ClassDescription
	if err := s.live.call(ctx, f, f.Opts.requestDeadline(), bridge.DescribeClass, &bridge.DescribeClassParams{ClassName: name}, &cd); err != nil {
		return protocol.Location{}, err
	}
	path, err := s.writeScratch(scratchName(cd.Name), classDefinition(cd))
	if err != nil {
		return protocol.Location{}, err
	}
	return protocol.Location{URI: protocol.DocumentURI(uri.File(path))}, nil
}

// classDefinition renders a class description as a Tonel class definition.
func classDefinition(cd bridge.ClassDescription) string {
	var b strings.Builder
	if c := strings.TrimSpace(cd.Comment); c != "" {
		fmt.Fprintf(&b, "\"\n%s\n\"\n", strings.ReplaceAll(c, `"`, `""`))
	}
	kind := "Class"
	if cd.Kind == "trait" {
		kind = "Trait"
	}
	fmt.Fprintf(&b, "%s {\n\t#name : #%s,\n", kind, cd.Name)
	if cd.Superclass != "" {
		fmt.Fprintf(&b, "\t#superclass : #%s,\n", cd.Superclass)
	}
	list := func(key string, names []string) {
		if len(names) == 0 {
			return
		}
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = "'" + n + "'"
		}
		fmt.Fprintf(&b, "\t#%s : [\n\t\t%s\n\t],\n", key, strings.Join(q, ",\n\t\t"))
	}
	list("instVars", cd.InstanceVariables)
	list("classVars", cd.ClassVariables)
	list("classInstVars", cd.ClassInstanceVariables)
	fmt.Fprintf(&b, "\t#package : '%s'", cd.Package)
	if cd.Tag != "" {
		fmt.Fprintf(&b, ",\n\t#tag : '%s'", cd.Tag)
	}
	b.WriteString("\n}\n")
	if len(cd.InstanceSelectors) > 0 {
		fmt.Fprintf(&b, "\n\"Instance side: %s\"\n", strings.Join(cd.InstanceSelectors, " "))
	}
	if len(cd.ClassSelectors) > 0 {
		fmt.Fprintf(&b, "\n\"Class side: %s\"\n", strings.Join(cd.ClassSelectors, " "))
	}
	return b.String()
}

// scratchName makes a file name of a class or method name: image/Foo class>>bar:baz:.st
// with the characters that are unsafe in file names replaced.
func scratchName(name string) string {
	r := strings.NewReplacer("/", "∕", "\\", "⧵", ":", "∶", "*", "∗", "?", "？", "<", "‹", ">", "›", "|", "∣", "\"", "'")
	name = strings.Replace(name, ">>", "»", 1)
	return "image/" + r.Replace(name) + ".st"
}

// References answers the senders of the selector under the cursor: the workspace's
// methods that send it, then the image's others.
func (s *server) References(ctx context.Context, params *protocol.ReferenceParams) ([]protocol.Location, error) {
	d, err := s.document(params.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	offset, _ := d.Mapper.Offset(toPoint(params.Position))
	t := targetAt(d, offset)
	if t.kind != targetSelector {
		return nil, nil
	}
	f := s.ws.folderOf(d.Path)
	ctx, cancel := context.WithTimeout(ctx, f.Opts.requestDeadline())
	defer cancel()
	out, inWS := s.workspaceSenders(t.name)
	if params.Context.IncludeDeclaration {
		for _, m := range s.wsIdx.methods(func(m wsMethod) bool { return m.Selector == t.name }) {
			out = append(out, m.Loc)
		}
	}
	var res bridge.SendersResult
	err = s.live.call(ctx, f, f.Opts.requestDeadline(), bridge.Senders, &bridge.SendersParams{Selector: t.name, Limit: maxSourceFetches}, &res)
	if err != nil {
		if len(out) > 0 {
			return out, nil
		}
		return nil, liveError("senders of #"+t.name, err)
	}
	for _, m := range res.Senders {
		if inWS[className(m.ClassName, m.Meta)+">>"+m.Selector] {
			continue
		}
		loc, err := s.imageMethodLocation(ctx, f, m)
		if err != nil {
			break
		}
		out = appendLocation(out, loc)
	}
	return out, nil
}

// workspaceSenders answers the sends of selector in the open documents and the indexed
// files, and the methods that hold them.
func (s *server) workspaceSenders(selector string) ([]protocol.Location, map[string]bool) {
	var out []protocol.Location
	methods := map[string]bool{}
	seen := map[protocol.DocumentURI]bool{}
	visit := func(u protocol.DocumentURI, d *document) {
		if seen[u] {
			return
		}
		seen[u] = true
		for _, r := range d.file().Nodes() {
			m, _ := r.(*smalltalk.Method)
			smalltalk.Inspect(r, func(n smalltalk.Node) bool {
				if msg, ok := n.(*smalltalk.Message); ok && msg.Selector == selector && len(msg.Parts) > 0 {
					out = append(out, protocol.Location{URI: u, Range: d.lspRange(msg.Parts[0])})
					if m != nil {
						methods[className(m.Class, m.Meta)+">>"+m.Selector] = true
					}
				}
				return true
			})
		}
	}
	for _, d := range s.docs.all() {
		visit(d.URI, d)
	}
	s.wsIdx.mu.RLock()
	var paths []string
	for p := range s.wsIdx.files {
		paths = append(paths, p)
	}
	s.wsIdx.mu.RUnlock()
	for _, p := range paths {
		u := protocol.DocumentURI(uri.File(p))
		if seen[u] {
			continue
		}
		d, err := readDocument(p)
		if err != nil {
			continue
		}
		visit(u, d)
	}
	return out, methods
}
