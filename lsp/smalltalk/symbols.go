package smalltalk

// SymbolKind is the kind of a document symbol.
type SymbolKind uint8

// The kinds of document symbols.
const (
	ClassSymbol SymbolKind = iota
	TraitSymbol
	ExtensionSymbol
	PackageSymbol
	CategorySymbol    // a protocol: a run of methods of one category and side
	MethodSymbol      // an instance-side method
	ClassMethodSymbol // a class-side method
)

// DocumentSymbol is an entry of a file's outline. Loc holds the whole entry and NameLoc
// the part to select; a symbol's children lie within its Loc.
type DocumentSymbol struct {
	Name     string
	Detail   string
	Kind     SymbolKind
	Loc      Span
	NameLoc  Span
	Children []DocumentSymbol
}

// Symbols answers the file's outline. A Tonel file has one symbol for its class (or
// trait, extension, package), holding one CategorySymbol for each run of methods of one
// category and side, which holds the methods. A chunk file has its class definitions and
// its runs of methods at the top level. A script has no symbols.
func (f *File) Symbols() []DocumentSymbol {
	var out []DocumentSymbol
	switch f.Kind {
	case Tonel:
		var top DocumentSymbol
		if len(f.Classes) > 0 {
			top = defSymbol(f.Classes[0])
		} else if len(f.Methods) > 0 {
			top = DocumentSymbol{Name: f.Methods[0].Class, Kind: ExtensionSymbol}
		} else {
			return nil
		}
		top.Loc = f.Span()
		top.Children = categorySymbols(f.Methods, false)
		if top.NameLoc.Len() == 0 && len(f.Methods) > 0 {
			top.NameLoc = f.Methods[0].Header
		}
		out = append(out, top)
	case Chunk:
		for _, c := range f.Classes {
			out = append(out, defSymbol(c))
		}
		out = append(out, categorySymbols(f.Methods, true)...)
		sortSymbols(out)
	}
	return out
}

func defSymbol(c *ClassDef) DocumentSymbol {
	s := DocumentSymbol{Name: c.Name, Loc: c.Loc, NameLoc: c.NameLoc}
	switch c.Kind {
	case TraitKind:
		s.Kind = TraitSymbol
	case ExtensionKind:
		s.Kind, s.Detail = ExtensionSymbol, "extension"
	case PackageKind:
		s.Kind = PackageSymbol
	default:
		s.Detail = c.Superclass + " subclass"
	}
	if c.Package != "" {
		s.Detail += ", " + c.Package
	} else if c.Category != "" {
		s.Detail += ", " + c.Category
	}
	return s
}

func categorySymbols(methods []*Method, qualify bool) []DocumentSymbol {
	var out []DocumentSymbol
	for i := 0; i < len(methods); {
		m := methods[i]
		j := i + 1
		for j < len(methods) && methods[j].Category == m.Category && methods[j].Meta == m.Meta && methods[j].Class == m.Class {
			j++
		}
		name := m.Category
		if name == "" {
			name = "as yet unclassified"
		}
		detail := "instance side"
		if m.Meta {
			detail = "class side"
		}
		if qualify {
			detail = m.Class + " " + detail
			if m.Meta {
				detail = m.Class + " class side"
			}
		}
		cat := DocumentSymbol{Name: name, Detail: detail, Kind: CategorySymbol,
			Loc: Span{m.Loc.Start, methods[j-1].Loc.End}, NameLoc: m.Header}
		if cat.NameLoc.Len() == 0 && len(m.Parts) > 0 {
			cat.NameLoc = m.Parts[0]
		}
		for _, m := range methods[i:j] {
			s := DocumentSymbol{Name: m.Selector, Kind: MethodSymbol, Loc: m.Loc, NameLoc: m.Header}
			if m.Meta {
				s.Kind, s.Detail = ClassMethodSymbol, m.Class+" class"
			}
			if len(m.Parts) > 0 {
				s.NameLoc = Span{m.Parts[0].Start, m.Parts[len(m.Parts)-1].End}
			}
			cat.Children = append(cat.Children, s)
		}
		out = append(out, cat)
		i = j
	}
	return out
}

func sortSymbols(s []DocumentSymbol) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Loc.Start < s[j-1].Loc.Start; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
