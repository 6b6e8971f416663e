package rewrite

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"strings"
)

// RuntimePath is the import path of the package the generated code calls.
const RuntimePath = "github.com/hotpatch-go/hotpatch/rt"

// A Func is a marked function that Package prepared for patching.
type Func struct {
	ID     string // package path and name, with the receiver type for methods
	Layout string // digest of the signature's memory layout
	Mode   Mode
}

// ErrUnknownTypes means that a marked function's signature has types that
// the type information at hand does not know, such as cgo's C types when the
// package was checked without running cgo.
var ErrUnknownTypes = errors.New("types unknown without cgo")

// Package prepares every marked function of the package pkg, whose Go files
// (absolute paths) are files. It returns the replacement text of each file
// with a marked function, by absolute path. Every malformed directive or
// unpatchable function is reported, each as an *Error, joined.
func Package(pkg *types.Package, files []string, sizes types.Sizes) (overlay map[string][]byte, funcs []Func, err error) {
	overlay = map[string][]byte{}
	var errs []error
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, nil, err
		}
		if !strings.Contains(string(src), directivePrefix) {
			continue
		}
		out, fs, ferrs := rewriteFile(pkg, sizes, name, src)
		errs = append(errs, ferrs...)
		funcs = append(funcs, fs...)
		if out != nil {
			overlay[name] = out
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return overlay, funcs, nil
}

// rewriteFile returns the replacement for one file, or nil if it marks no
// function.
func rewriteFile(pkg *types.Package, sizes types.Sizes, name string, src []byte) ([]byte, []Func, []error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, []error{err}
	}
	found, errs := findDirectives(fset, file)
	f := &fileRewrite{fset: fset, tf: fset.File(file.Pos()), src: src, name: name}
	var funcs []Func
	for _, m := range found {
		p, err := f.plan(pkg, sizes, m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		funcs = append(funcs, Func{ID: p.id, Layout: p.layout, Mode: m.mode})
		f.plans = append(f.plans, p)
	}
	if len(errs) > 0 || len(f.plans) == 0 {
		return nil, nil, errs
	}
	return f.generate(file), funcs, nil
}

type fileRewrite struct {
	fset  *token.FileSet
	tf    *token.File
	src   []byte
	name  string
	plans []*plan
	edits []edit
}

// An edit inserts text before the byte at off.
type edit struct {
	off  int
	text string
}

// insert inserts text before pos, then puts the position back where it was,
// so that everything after pos keeps its line and column.
func (f *fileRewrite) insert(pos token.Pos, text string) {
	p := f.fset.Position(pos)
	f.edits = append(f.edits, edit{off: p.Offset, text: fmt.Sprintf("%s/*line :%d:%d*/", text, p.Line, p.Column)})
}

func (f *fileRewrite) text(n ast.Node) string {
	return string(f.src[f.tf.Offset(n.Pos()):f.tf.Offset(n.End())])
}

// An arg is a receiver or parameter as the generated code passes it.
type arg struct {
	name  string // in the marked function, after renaming
	frame string // its type in the source; a slice for variadic parameters
	pass  passing
	typ   string // its type, qualified by package name, for checked mode's errors
}

// A plan is what the generated code of one marked function needs.
type plan struct {
	mode        Mode
	resultTypes []string // qualified result types, for checked mode
	id, layout  string
	key         string // suffix of the generated identifiers
	method      string // the method's name, for methods
	fn          string // the function's name, for functions
	recv        *arg
	params      []arg
	results     []string
	variadic    bool
	line        int
	body        token.Pos // the opening brace of the body
}

func (f *fileRewrite) plan(pkg *types.Package, sizes types.Sizes, m marked) (*plan, error) {
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
	qualify := func(t types.Type) string {
		return types.TypeString(t, func(p *types.Package) string { return p.Name() })
	}
	// argPassing says how an argument crosses, or why it cannot.
	argPassing := func(t types.Type) (passing, error) {
		if m.mode == Default {
			p, err := checkParam(t)
			if err != nil {
				return 0, fmt.Errorf("cannot cross between copies in the default mode: %v; use //hotpatch:func checked", err)
			}
			return p, nil
		}
		if err := checkEncodable(t); err != nil {
			return 0, fmt.Errorf("cannot cross between copies in checked mode: %v", err)
		}
		if _, ok := t.Underlying().(*types.Pointer); ok {
			return byPointer, nil
		}
		return byValue, nil
	}
	checkRes := func(t types.Type) error {
		if m.mode == Default {
			if err := checkResult(t); err != nil {
				return fmt.Errorf("cannot cross between copies in the default mode: %v; use //hotpatch:func checked", err)
			}
			return nil
		}
		if err := checkEncodable(t); err != nil {
			return fmt.Errorf("cannot cross between copies in checked mode: %v", err)
		}
		return nil
	}
	p := &plan{
		mode:     m.mode,
		id:       obj.FullName(),
		variadic: sig.Variadic(),
		line:     f.fset.Position(d.Pos()).Line,
		body:     d.Body.Lbrace,
	}
	if d.Recv != nil {
		field := d.Recv.List[0]
		t := sig.Recv().Type()
		pass, err := argPassing(t)
		if err != nil {
			return nil, fail(field.Pos(), "receiver of type %s %v", t, err)
		}
		names := f.nameFields([]*ast.Field{field}, "_hprecv")
		p.recv = &arg{name: names[0], frame: f.text(field.Type), pass: pass, typ: qualify(t)}
		p.method = d.Name.Name
		p.key = recvTypeName(field.Type) + "_" + d.Name.Name
	} else {
		p.fn = d.Name.Name
		p.key = d.Name.Name
	}
	names := f.nameFields(d.Type.Params.List, "_hp")
	i := 0
	for _, field := range d.Type.Params.List {
		typ := f.text(field.Type)
		if e, ok := field.Type.(*ast.Ellipsis); ok {
			typ = "[]" + f.text(e.Elt)
		}
		for range max(1, len(field.Names)) {
			v := sig.Params().At(i)
			pass, err := argPassing(v.Type())
			if err != nil {
				return nil, fail(field.Pos(), "parameter %s of type %s %v", paramName(v, i), v.Type(), err)
			}
			p.params = append(p.params, arg{name: names[i], frame: typ, pass: pass, typ: qualify(v.Type())})
			i++
		}
	}
	if d.Type.Results != nil {
		i := 0
		for _, field := range d.Type.Results.List {
			for range max(1, len(field.Names)) {
				v := sig.Results().At(i)
				if err := checkRes(v.Type()); err != nil {
					return nil, fail(field.Pos(), "result %s of type %s %v", paramName(v, i), v.Type(), err)
				}
				p.results = append(p.results, f.text(field.Type))
				p.resultTypes = append(p.resultTypes, qualify(v.Type()))
				i++
			}
		}
	}
	// Only now are the types known to be free of cycles, for the default
	// mode's layout walk.
	if m.mode == Checked {
		p.layout = checkedLayout(d.Recv != nil, sig)
	} else {
		p.layout = signatureLayout(sizes, m.mode, sig.Recv(), sig)
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

func paramName(v *types.Var, i int) string {
	if v.Name() == "" || v.Name() == "_" {
		return fmt.Sprintf("#%d", i+1)
	}
	return v.Name()
}

func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	return "(" + exprString(d.Recv.List[0].Type) + ")." + d.Name.Name
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return "*" + exprString(e.X)
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return exprString(e.X) + "[...]"
	case *ast.IndexListExpr:
		return exprString(e.X) + "[...]"
	case *ast.ParenExpr:
		return exprString(e.X)
	}
	return "?"
}

func recvTypeName(e ast.Expr) string {
	return strings.Trim(strings.NewReplacer("*", "", "[...]", "").Replace(exprString(e)), " ")
}

func recvIsGeneric(d *ast.FuncDecl) bool {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return false
	}
	return strings.Contains(exprString(d.Recv.List[0].Type), "[...]")
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
