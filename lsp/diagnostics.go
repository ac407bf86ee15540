package lsp

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/stui-dev/stui/bridge"
	"github.com/stui-dev/stui/lsp/smalltalk"
)

// scheduleDiagnostics publishes d's syntax diagnostics after delay, unless the next change
// comes first (it cancels this one). It also refreshes d's entry in the workspace index.
func (s *server) scheduleDiagnostics(d *document, delay time.Duration) {
	s.docs.schedule(s.ctx, d.URI, delay, func(ctx context.Context) {
		if ctx.Err() != nil || s.docs.get(d.URI) != d {
			return // superseded
		}
		f := d.file()
		key := d.Path
		if key == "" {
			key = string(d.URI)
		}
		s.wsIdx.indexFile(key, d.URI, f, d.Mapper)
		if ctx.Err() != nil || s.docs.get(d.URI) != d {
			return
		}
		s.publish(d, syntaxDiagnostics(d, f), nil)
	})
}

func syntaxDiagnostics(d *document, f *smalltalk.File) []protocol.Diagnostic {
	out := make([]protocol.Diagnostic, 0, len(f.Errors))
	for _, e := range f.Errors {
		out = append(out, protocol.Diagnostic{Range: d.lspRange(e.Loc), Severity: protocol.DiagnosticSeverityError, Source: "stui", Message: e.Msg})
	}
	return out
}

func (s *server) publish(d *document, syntax, image []protocol.Diagnostic) {
	all := append(append([]protocol.Diagnostic{}, syntax...), image...)
	version := uint32(max(d.Version, 0))
	s.notify(protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{URI: d.URI, Version: version, Diagnostics: all})
}

// checkSaved runs on save: the syntax diagnostics, and for a Tonel file the image's
// compile errors and warnings for each method (compiled and installed when
// compileOnSave is set).
func (s *server) checkSaved(ctx context.Context, d *document) {
	f := d.file()
	syntax := syntaxDiagnostics(d, f)
	if f.Kind != smalltalk.Tonel || len(f.Methods) == 0 {
		s.publish(d, syntax, nil)
		return
	}
	fo := s.ws.folderOf(d.Path)
	c, err := s.live.conn(fo)
	if err == nil {
		_, err = c.available()
	}
	if err != nil {
		s.publish(d, syntax, nil)
		return
	}
	var image []protocol.Diagnostic
	installed := 0
	for _, m := range f.Methods {
		if ctx.Err() != nil || s.docs.get(d.URI) != d {
			return
		}
		src, toFile := methodSource(d.Text(), m)
		if src == "" {
			continue
		}
		var res bridge.CompileResult
		err := c.call(ctx, fo.Opts.requestDeadline(), bridge.Compile, &bridge.CompileParams{
			ClassName: m.Class, Meta: m.Meta, Source: src, Category: m.Category, Install: fo.Opts.CompileOnSave,
		}, &res)
		if err != nil {
			e := bridge.ErrorOf(err)
			if e != nil && e.Type == bridge.ClassNotFound {
				image = append(image, protocol.Diagnostic{Range: d.lspRange(m.Header), Severity: protocol.DiagnosticSeverityWarning,
					Source: "pharo", Message: fmt.Sprintf("%s is not in the image, so this method was not checked", m.Class)})
				continue
			}
			s.logger.Info("compile on save stopped", zap.Error(err))
			break
		}
		if res.Installed {
			installed++
		}
		for _, p := range append(append([]bridge.CompileProblem{}, res.Errors...), res.Warnings...) {
			sev := protocol.DiagnosticSeverityWarning
			if p.Severity == "error" {
				sev = protocol.DiagnosticSeverityError
			}
			start, end := toFile(p.Offset), toFile(max(p.EndOffset, p.Offset))
			image = append(image, protocol.Diagnostic{Range: d.lspRange(smalltalk.Span{Start: start, End: end}), Severity: sev, Source: "pharo", Message: p.Message})
		}
	}
	if s.docs.get(d.URI) != d {
		return
	}
	s.publish(d, syntax, image)
	if installed > 0 {
		go c.refreshIndex()
	}
}

// methodSource answers a Tonel method's source as the image keeps it (the pattern, then
// the body between the brackets without its last newline) and a function mapping a character offset in it back to a byte
// offset in the file.
func methodSource(src []byte, m *smalltalk.Method) (string, func(int) int) {
	if len(m.Parts) == 0 || m.BodyLoc.Len() < 0 || m.BodyLoc.End > len(src) {
		return "", nil
	}
	patStart := m.Parts[0].Start
	patEnd := m.Header.End
	if patEnd <= patStart || patEnd > len(src) {
		return "", nil
	}
	pattern := string(src[patStart:patEnd])
	body := strings.TrimSuffix(strings.TrimSuffix(string(src[m.BodyLoc.Start:m.BodyLoc.End]), "\n"), "\r")
	code := pattern + body
	toFile := func(chars int) int {
		// characters -> bytes in code
		b := 0
		for i := 0; i < chars && b < len(code); i++ {
			_, n := utf8.DecodeRuneInString(code[b:])
			b += n
		}
		if b <= len(pattern) {
			return patStart + b
		}
		return m.BodyLoc.Start + min(b-len(pattern), len(body))
	}
	return code, toFile
}
