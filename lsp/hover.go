package lsp

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/lsp/smalltalk"
)

// maxImplementors is how many implementors a selector's hover lists.
const maxImplementors = 10

// Hover describes what is under the cursor: a class (from the image, else from the
// workspace), a selector's implementors, a workspace variable's value (read with
// get_variable: hover never evaluates code), or a literal. It is bounded by
// deadlines.hover and answers what it knows when the image does not answer in time.
func (s *server) Hover(ctx context.Context, params *protocol.HoverParams) (*protocol.Hover, error) {
	d, err := s.document(params.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	offset, _ := d.Mapper.Offset(toPoint(params.Position))
	t := targetAt(d, offset)
	f := s.ws.folderOf(d.Path)
	ctx, cancel := context.WithTimeout(ctx, f.Opts.hoverDeadline())
	defer cancel()
	var md string
	switch t.kind {
	case targetClass:
		md = s.hoverClass(ctx, f, t.name)
	case targetSelector:
		md = s.hoverSelector(ctx, f, t.name)
	case targetVariable:
		md = s.hoverVariable(ctx, f, t.variable)
	case targetLiteral:
		md = hoverLiteral(t.literal)
	}
	if md == "" {
		return nil, nil
	}
	r := d.lspRange(t.span)
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: md}, Range: &r}, nil
}

func (s *server) hoverClass(ctx context.Context, f folder, name string) string {
	var cd bridge.ClassDescription
	err := s.live.call(ctx, f, f.Opts.hoverDeadline(), bridge.DescribeClass, &bridge.DescribeClassParams{ClassName: name}, &cd)
	if err != nil {
		if def := s.wsIdx.class(name); def != nil {
			return classMarkdown(bridge.ClassDescription{
				Name: def.Name, Kind: def.Kind, Superclass: def.Superclass, Package: def.Package,
				Comment: def.Comment, InstanceVariables: def.InstVars,
			}, "workspace")
		}
		if e := bridge.ErrorOf(err); e != nil && e.Type == bridge.ClassNotFound {
			return fmt.Sprintf("**%s**: no such class in the image", name)
		}
		return ""
	}
	return classMarkdown(cd, "image")
}

func classMarkdown(cd bridge.ClassDescription, from string) string {
	var b strings.Builder
	kind := cd.Kind
	if kind == "" {
		kind = "class"
	}
	fmt.Fprintf(&b, "**%s** (%s", cd.Name, kind)
	if cd.Package != "" {
		fmt.Fprintf(&b, " in %s", cd.Package)
		if cd.Tag != "" {
			fmt.Fprintf(&b, "-%s", cd.Tag)
		}
	}
	fmt.Fprintf(&b, ", from the %s)\n\n", from)
	chain := cd.SuperclassChain
	if len(chain) == 0 && cd.Superclass != "" {
		chain = []string{cd.Superclass}
	}
	if len(chain) > 0 {
		fmt.Fprintf(&b, "Superclasses: %s\n\n", strings.Join(chain, " → "))
	}
	if len(cd.InstanceVariables) > 0 {
		fmt.Fprintf(&b, "Instance variables: `%s`\n\n", strings.Join(cd.InstanceVariables, " "))
	}
	if len(cd.ClassVariables) > 0 {
		fmt.Fprintf(&b, "Class variables: `%s`\n\n", strings.Join(cd.ClassVariables, " "))
	}
	if c := strings.TrimSpace(cd.Comment); c != "" {
		fmt.Fprintf(&b, "---\n\n%s\n", c)
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *server) hoverSelector(ctx context.Context, f folder, selector string) string {
	var res bridge.ImplementorsResult
	err := s.live.call(ctx, f, f.Opts.hoverDeadline(), bridge.Implementors, &bridge.ImplementorsParams{Selector: selector, Limit: maxImplementors}, &res)
	if err != nil {
		ws := s.wsIdx.implementors(selector)
		if len(ws) == 0 {
			return ""
		}
		res = bridge.ImplementorsResult{Selector: selector, Implementors: ws, Total: len(ws)}
	}
	var b strings.Builder
	total := max(res.Total, len(res.Implementors))
	switch total {
	case 0:
		fmt.Fprintf(&b, "**#%s**: no implementors", selector)
		return b.String()
	case 1:
		fmt.Fprintf(&b, "**#%s**: 1 implementor\n", selector)
	default:
		fmt.Fprintf(&b, "**#%s**: %d implementors", selector, total)
		if len(res.Implementors) < total {
			fmt.Fprintf(&b, " (%d shown)", len(res.Implementors))
		}
		b.WriteString("\n")
	}
	for i, m := range res.Implementors {
		if i == maxImplementors {
			break
		}
		fmt.Fprintf(&b, "- `%s>>%s`", className(m.ClassName, m.Meta), pattern(m.Selector, m.ArgumentNames))
		if m.Package != "" {
			fmt.Fprintf(&b, " (%s)", m.Package)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func className(name string, meta bool) string {
	if meta {
		return name + " class"
	}
	return name
}

// pattern answers a selector with its argument names: at: index put: value.
func pattern(selector string, args []string) string {
	if len(args) == 0 {
		return selector
	}
	if !strings.HasSuffix(selector, ":") {
		// binary
		return selector + " " + args[0]
	}
	kws := strings.SplitAfter(selector, ":")
	var parts []string
	for i, kw := range kws {
		if kw == "" {
			continue
		}
		if i < len(args) {
			parts = append(parts, kw+" "+args[i])
		} else {
			parts = append(parts, kw)
		}
	}
	return strings.Join(parts, " ")
}

func (s *server) hoverVariable(ctx context.Context, f folder, v *smalltalk.Variable) string {
	if v == nil {
		return ""
	}
	if v.Kind != smalltalk.WorkspaceVariable && v.Kind != smalltalk.Undeclared {
		return fmt.Sprintf("**%s**: %s", v.Name, v.Kind)
	}
	c, err := s.live.conn(f)
	if err != nil {
		return ""
	}
	id := c.sessions.existingID(f.Path)
	if id == "" {
		return fmt.Sprintf("**%s**: %s (no session yet)", v.Name, v.Kind)
	}
	// Read through the connection pool, not the session's connection, so that a running
	// evaluation does not hold the hover up. get_variable evaluates nothing.
	var val bridge.Variable
	if err := c.callIn(ctx, f.Opts.hoverDeadline(), bridge.GetVariable, id, &bridge.GetVariableParams{Name: v.Name}, &val); err != nil {
		if e := bridge.ErrorOf(err); e != nil && e.Type == bridge.ObjectNotFound {
			return fmt.Sprintf("**%s**: %s, not defined in the session", v.Name, v.Kind)
		}
		return fmt.Sprintf("**%s**: %s", v.Name, v.Kind)
	}
	more := ""
	if val.Truncated {
		more = " …"
	}
	return fmt.Sprintf("**%s**: %s, a %s\n\n```\n%s%s\n```", v.Name, v.Kind, val.ClassName, val.PrintString, more)
}

func hoverLiteral(l *smalltalk.Literal) string {
	if l == nil {
		return ""
	}
	switch l.Kind {
	case smalltalk.StringLit:
		return fmt.Sprintf("a String of %d characters", len([]rune(l.Value())))
	case smalltalk.SymbolLit:
		return fmt.Sprintf("the Symbol #%s", l.Value())
	case smalltalk.CharacterLit:
		return fmt.Sprintf("the Character $%s", l.Value())
	case smalltalk.NumberLit:
		return fmt.Sprintf("the number %s", l.Text)
	case smalltalk.TrueLit, smalltalk.FalseLit:
		return fmt.Sprintf("the Boolean %s", l.Text)
	case smalltalk.NilLit:
		return "nil, the UndefinedObject"
	}
	return ""
}
