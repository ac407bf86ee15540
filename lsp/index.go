package lsp

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/stui-dev/stui/bridge"
)

// classIndex is a local copy of the image's classes and selectors, refreshed in the
// background, so that completion never waits for a round trip.
type classIndex struct {
	refreshing atomic.Bool

	mu        sync.RWMutex   // guards the fields below
	classes   []indexedClass // sorted by name
	selectors []string       // sorted
	loaded    bool
}

type indexedClass struct {
	Name           string
	Superclass     string
	Package        string
	ClassSelectors []string
}

func newClassIndex() *classIndex { return &classIndex{} }

// set replaces the index's contents; both slices are sorted here.
func (x *classIndex) set(classes []indexedClass, selectors []string) {
	sort.Slice(classes, func(i, j int) bool { return classes[i].Name < classes[j].Name })
	sort.Strings(selectors)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.classes, x.selectors, x.loaded = classes, selectors, true
}

// class answers the indexed class named name.
func (x *classIndex) class(name string) (indexedClass, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i := sort.Search(len(x.classes), func(i int) bool { return x.classes[i].Name >= name })
	if i < len(x.classes) && x.classes[i].Name == name {
		return x.classes[i], true
	}
	return indexedClass{}, false
}

// classesWithPrefix calls f for the classes whose names start with prefix, in order,
// until f answers false.
func (x *classIndex) classesWithPrefix(prefix string, f func(indexedClass) bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i := sort.Search(len(x.classes), func(i int) bool { return x.classes[i].Name >= prefix })
	for ; i < len(x.classes) && strings.HasPrefix(x.classes[i].Name, prefix); i++ {
		if !f(x.classes[i]) {
			return
		}
	}
}

// selectorsWithPrefix calls f for the selectors starting with prefix, in order, until f
// answers false.
func (x *classIndex) selectorsWithPrefix(prefix string, f func(string) bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i := sort.SearchStrings(x.selectors, prefix)
	for ; i < len(x.selectors) && strings.HasPrefix(x.selectors[i], prefix); i++ {
		if !f(x.selectors[i]) {
			return
		}
	}
}

// classSideSelectors answers the class-side selectors of name and its superclasses.
func (x *classIndex) classSideSelectors(name string) []string {
	var out []string
	seen := map[string]bool{}
	for depth := 0; name != "" && depth < 64 && !seen[name]; depth++ {
		seen[name] = true
		c, ok := x.class(name)
		if !ok {
			break
		}
		out = append(out, c.ClassSelectors...)
		name = c.Superclass
	}
	return out
}

// Page sizes of an index refresh.
const (
	classPage    = 1000
	selectorPage = 5000
)

// refreshIndex reloads the image's classes and selectors into the index, unless a refresh
// is already running. Each page is bounded by the request deadline.
func (c *imageConn) refreshIndex() {
	x := c.index
	if !x.refreshing.CompareAndSwap(false, true) {
		return
	}
	defer x.refreshing.Store(false)
	classes, selectors, err := c.loadIndex(c.ctx)
	if err != nil {
		c.s.logger.Info("the completion index was not (fully) refreshed", zap.Error(err))
		if classes == nil {
			return
		}
	}
	x.set(classes, selectors)
	if c.s.cfg.onIndexed != nil {
		c.s.cfg.onIndexed()
	}
	c.s.baseLog.Debug("completion index refreshed", zap.Int("classes", len(classes)), zap.Int("selectors", len(selectors)))
}

func (c *imageConn) loadIndex(ctx context.Context) ([]indexedClass, []string, error) {
	var classes []indexedClass
	for offset := 0; ; {
		var res bridge.ListClassesResult
		err := c.call(ctx, c.opts.requestDeadline(), bridge.ListClasses,
			&bridge.ListClassesParams{Offset: offset, Limit: classPage, IncludeClassSelectors: true}, &res)
		if err != nil {
			return nil, nil, err
		}
		for _, cl := range res.Classes {
			classes = append(classes, indexedClass{Name: cl.Name, Superclass: cl.Superclass, Package: cl.Package, ClassSelectors: cl.ClassSelectors})
		}
		offset += len(res.Classes)
		if len(res.Classes) == 0 || offset >= res.Total {
			break
		}
	}
	var selectors []string
	for offset := 0; ; {
		var res bridge.ListSelectorsResult
		err := c.call(ctx, c.opts.requestDeadline(), bridge.ListSelectors,
			&bridge.ListSelectorsParams{Offset: offset, Limit: selectorPage}, &res)
		if err != nil {
			// Keep the classes: completion of class names still works.
			return classes, nil, err
		}
		selectors = append(selectors, res.Selectors...)
		offset += len(res.Selectors)
		if len(res.Selectors) == 0 || offset >= res.Total {
			break
		}
	}
	return classes, selectors, nil
}
