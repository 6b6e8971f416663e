package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
)

// An arg is a receiver or parameter as the generated code passes it.
type arg struct {
	name    string  // in the marked function, after naming unnamed ones
	alias   string  // the type alias that the generated code spells its type with
	pass    passing // how it crosses in the default mode
	typ     string  // its type, qualified by package name, for checked mode's errors
	display string  // how errors name it
	t       types.Type
}

// A result is a result as the generated code passes it.
type result struct {
	Alias string  // the type alias that the generated code spells its type with
	Type  string  // its type, qualified by package name, for checked mode's errors
	pass  passing // byValue, or byPlain in the default mode
	str   bool    // a string passed byPlain, which has a faster way back
	t     types.Type
}

// Plain reports whether the result is plain data that comes back through
// the frame's rt.Lent (default mode).
func (r result) Plain() bool { return r.pass == byPlain }

// Codec names the encoder and decoder of the result's type in checked
// mode: _hotpatchEnc and _hotpatchDec, then this.
func (r result) Codec() string { return strings.TrimPrefix(r.Alias, rootName) }

// PlainString reports whether the result is a string that comes back
// through the frame's rt.Lent (default mode).
func (r result) PlainString() bool { return r.str }

// A plan is what the generated code of one marked function needs.
type plan struct {
	index       int // among the marked functions of the package
	mode        Mode
	id          string
	fingerprint string
	name        string // as messages name it: f or (*T).m
	pos         string // where it is declared, as file:line
	method      string // the method's name, for methods
	fn          string // the function's name, for functions
	recv        *arg
	params      []arg
	results     []result
	variadic    bool
	stateful    bool   // the body uses kept state
	export      string // the C name of a marked //export function with an entry point of its own
	decl        *ast.FuncDecl
	body        token.Pos // the opening brace of the body
	aliases     []string  // type alias declarations for the user's file
}

// A keptPlan is what the generated code of one kept variable needs.
type keptPlan struct {
	index int // among the kept variables of the package
	*keptVar
}

// A fileRewrite collects the edits of one user file.
type fileRewrite struct {
	goos  string
	fset  *token.FileSet
	tf    *token.File
	file  *File
	plans []*plan
	kept  []keptPlan
	edits []edit
}

// insert inserts text before pos, then puts the position back where it was,
// so that everything after pos keeps its line and column.
func (f *fileRewrite) insert(pos token.Pos, text string) {
	p := f.fset.Position(pos)
	f.edits = append(f.edits, edit{off: p.Offset, text: fmt.Sprintf("%s/*line :%d:%d*/", text, p.Line, p.Column)})
}

// text returns the source text of n.
func (f *fileRewrite) text(n ast.Node) string {
	return string(f.file.Src[f.tf.Offset(n.Pos()):f.tf.Offset(n.End())])
}

// plan checks that the marked function m can be patched in its mode and
// plans its generated code. index numbers it among the package's marked
// functions.
func (f *fileRewrite) plan(pkg *types.Package, sizes types.Sizes, m marked, index int) (*plan, error) {
	d := m.decl
	fail := func(pos token.Pos, format string, args ...any) error {
		return posError(f.fset, pos, funcName(d), fmt.Sprintf(format, args...))
	}
	switch {
	case d.Body == nil:
		return nil, fail(d.Pos(), "a function without a body cannot be hot-patched")
	case d.Type.TypeParams != nil || recvIsGeneric(d):
		return nil, fail(d.Pos(), "generic functions cannot be hot-patched: each instantiation is compiled separately; mark a non-generic function that calls it")
	case d.Recv == nil && (d.Name.Name == "init" || d.Name.Name == "main"):
		return nil, fail(d.Pos(), "%s cannot be hot-patched: it is never called again after the library loads", d.Name.Name)
	}
	obj := lookup(pkg, d)
	if obj == nil {
		return nil, fail(d.Pos(), "no type information: the package does not type-check")
	}
	sig := obj.Type().(*types.Signature)
	if hasInvalid(sig) {
		return nil, fmt.Errorf("%s: %w", funcName(d), ErrUnknownTypes)
	}
	r := rulesFor(m.mode)
	p := &plan{
		index:       index,
		mode:        m.mode,
		id:          obj.FullName(),
		fingerprint: r.fingerprint(sizes, sig),
		name:        funcName(d),
		decl:        d,
		pos:         fmt.Sprintf("%s:%d", filepath.Base(f.file.Name), f.fset.Position(d.Pos()).Line),
		variadic:    sig.Variadic(),
		body:        d.Body.Lbrace,
	}
	// One alias serves every receiver, parameter and result spelled the
	// same, so that a checked function gets one encoder and one decoder for
	// their type. (Types that the check without cgo does not know are all
	// invalid, and so identical: the spelling tells them apart.)
	var spelled []string // by slot
	alias := func(typeText string) string {
		slot := slices.Index(spelled, typeText)
		if slot < 0 {
			slot, spelled = len(spelled), append(spelled, typeText)
			p.aliases = append(p.aliases, fmt.Sprintf("_hotpatchT%d_%d = %s", index, slot, typeText))
		}
		return fmt.Sprintf("_hotpatchT%d_%d", index, slot)
	}
	if d.Recv != nil {
		field := d.Recv.List[0]
		t := sig.Recv().Type()
		pass, err := r.param(t)
		if err != nil {
			return nil, fail(field.Pos(), "receiver of type %s %v", t, err)
		}
		names := f.nameFields([]*ast.Field{field}, "_hprecv")
		p.recv = &arg{name: names[0], alias: alias(f.text(field.Type)), pass: pass, typ: qualified(t), display: argName(sig.Recv(), 0), t: t}
		p.method = d.Name.Name
	} else {
		p.fn = d.Name.Name
	}
	names := f.nameFields(d.Type.Params.List, "_hp")
	i := 0
	for _, field := range d.Type.Params.List {
		typ := f.text(field.Type)
		if e, ok := field.Type.(*ast.Ellipsis); ok {
			typ = "[]" + f.text(e.Elt)
		}
		a := alias(typ)
		for range max(1, len(field.Names)) {
			v := sig.Params().At(i)
			pass, err := r.param(v.Type())
			if err != nil {
				return nil, fail(field.Pos(), "parameter %s of type %s %v", argName(v, i), v.Type(), err)
			}
			p.params = append(p.params, arg{name: names[i], alias: a, pass: pass, typ: qualified(v.Type()), display: argName(v, i), t: v.Type()})
			i++
		}
	}
	if d.Type.Results != nil {
		i := 0
		for _, field := range d.Type.Results.List {
			a := alias(f.text(field.Type))
			for range max(1, len(field.Names)) {
				v := sig.Results().At(i)
				pass, err := r.result(v.Type())
				if err != nil {
					return nil, fail(field.Pos(), "result %s of type %s %v", argName(v, i), v.Type(), err)
				}
				_, str := v.Type().Underlying().(*types.Basic)
				p.results = append(p.results, result{Alias: a, Type: qualified(v.Type()), pass: pass, str: str && pass == byPlain, t: v.Type()})
				i++
			}
		}
	}
	return p, nil
}

// nameFields returns the names of the variables that fields declare, naming
// unnamed and blank ones so that the dispatch check can pass them on.
func (f *fileRewrite) nameFields(fields []*ast.Field, prefix string) []string {
	var names []string
	for _, field := range fields {
		if len(field.Names) == 0 {
			n := fmt.Sprintf("%s%d", prefix, len(names))
			f.insert(field.Type.Pos(), n+" ")
			names = append(names, n)
			continue
		}
		for _, id := range field.Names {
			n := id.Name
			if n == "_" {
				// _ becomes _hp1: the blank keeps its place.
				n = fmt.Sprintf("%s%d", prefix, len(names))
				f.insert(id.End(), strings.TrimPrefix(n, "_"))
			}
			names = append(names, n)
		}
	}
	return names
}

// allArgs returns the receiver, if any, and the parameters.
func (p *plan) allArgs() []arg {
	if p.recv != nil {
		return append([]arg{*p.recv}, p.params...)
	}
	return p.params
}

// dispatch is the check at the start of the marked body: if another copy has
// the function, the call runs there.
func (p *plan) dispatch() string {
	var names []string
	for _, a := range p.allArgs() {
		names = append(names, a.name)
	}
	call := fmt.Sprintf("_hotpatchCall%d(%s)", p.index, strings.Join(append([]string{"_hpT"}, names...), ", "))
	if len(p.results) == 0 {
		return fmt.Sprintf(" if _hpT := _hotpatchSlot%d.Load(); _hpT != nil { %s; return };", p.index, call)
	}
	return fmt.Sprintf(" if _hpT := _hotpatchSlot%d.Load(); _hpT != nil { return %s };", p.index, call)
}

// hasInvalid reports whether a type in sig is unknown.
func hasInvalid(sig *types.Signature) bool {
	invalid := func(tuple *types.Tuple) bool {
		for v := range tuple.Variables() {
			if strings.Contains(types.TypeString(v.Type(), nil), "invalid type") {
				return true
			}
		}
		return false
	}
	return invalid(sig.Params()) || invalid(sig.Results()) || (sig.Recv() != nil && invalid(types.NewTuple(sig.Recv())))
}

// lookup finds the function or method that d declares in pkg.
func lookup(pkg *types.Package, d *ast.FuncDecl) *types.Func {
	if pkg == nil {
		return nil
	}
	if d.Recv == nil {
		f, _ := pkg.Scope().Lookup(d.Name.Name).(*types.Func)
		return f
	}
	tn, _ := pkg.Scope().Lookup(recvTypeName(d.Recv.List[0].Type)).(*types.TypeName)
	if tn == nil {
		return nil
	}
	named, _ := tn.Type().(*types.Named)
	if named == nil {
		return nil
	}
	for m := range named.Methods() {
		if m.Name() == d.Name.Name {
			return m
		}
	}
	return nil
}
