package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
)

// RootPath is the import path of the package hotpatch, and RuntimePath that
// of the runtime, which the generated code calls.
const (
	RootPath    = "github.com/hotpatch-go/hotpatch"
	RuntimePath = RootPath + "/rt"
)

// A Func is a marked function that Rewrite prepared for patching.
type Func struct {
	ID          string // package path and name, with the receiver type for methods
	Fingerprint string // what a new build's function must match to be patched in
	Mode        Mode
	// Stateful reports that the function's body uses a kept variable: it
	// must never run in a copy that no longer holds the kept state.
	Stateful bool
}

// A Kept is a kept variable: //hotpatch:keep.
type Kept struct {
	ID     string // package path and name
	Schema *Schema
}

// A Result is a rewritten package.
type Result struct {
	Overlay Overlay
	Funcs   []Func
	Kept    []Kept
	// Exports are the marked //export functions that have an entry point of
	// their own: cgo exports each as _hotpatch_NAME, and the header that go
	// build writes must be renamed back (ExportHeader).
	Exports []string
	// Warnings are problems that do not stop the build.
	Warnings []*Error
}

// ErrUnknownTypes means that a marked function's signature has types that
// the type information at hand does not know, such as cgo's C types when the
// package was checked without running cgo.
var ErrUnknownTypes = errors.New("types unknown without cgo")

// A File is a Go file of the package to rewrite.
type File struct {
	Name   string    // absolute path
	Src    []byte    // its content
	Syntax *ast.File // parsed from Src with comments, in the Package's FileSet
}

// A Package is a package to rewrite.
type Package struct {
	Fset  *token.FileSet
	Files []*File
	// Types has the objects of the package's marked functions, looked up by
	// name: their signatures are what Rewrite checks.
	Types *types.Package
	// Info is the type information of Files: which object each identifier
	// refers to (Uses, Defs) and which method (Selections).
	Info  *types.Info
	Sizes types.Sizes
	// GOOS and GOARCH are the target's: a marked //export function gets a C
	// entry point of its own where the target has one (exports.go).
	GOOS, GOARCH string
}

// NewInfo returns the type information that a Package needs, to fill in
// with types.Config.Check.
func NewInfo() *types.Info {
	return &types.Info{Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
}

// An Overlay is the rewritten package: for go build -overlay, the new content
// of each file it changes or adds, by absolute path.
type Overlay map[string][]byte

// HasDirective reports whether src holds a hotpatch directive. It is a quick
// filter before parsing: it may report a directive where a full parse finds
// none, in a string say, but never the reverse.
func HasDirective(src []byte) bool { return bytes.Contains(src, []byte(directivePrefix)) }

// GeneratedFile returns the name of the file that holds the generated code
// for the marked functions of the user's file name.
func GeneratedFile(name string) string {
	return filepath.Join(filepath.Dir(name), generatedPrefix+filepath.Base(name))
}

// Rewrite prepares every marked function and kept variable of p. Its
// overlay holds each file with a marked function, with a dispatch check at
// the start of each marked body, and beside it the generated code
// (GeneratedFile). Every malformed directive, unpatchable function, kept
// variable that cannot move, and use of kept state outside marked functions
// is reported, each as an *Error, joined.
func Rewrite(p *Package) (*Result, error) {
	if err := reservedName(p); err != nil {
		return nil, err
	}
	res := &Result{Overlay: Overlay{}}
	var errs []error
	found := make([]directives, len(p.Files))
	markedDecls := map[*ast.FuncDecl]bool{}
	keptObjs := map[*types.Var]*keptVar{}
	for i, file := range p.Files {
		if !HasDirective(file.Src) {
			continue
		}
		found[i] = findDirectives(p.Fset, file.Syntax)
		errs = append(errs, found[i].errs...)
		for _, m := range found[i].funcs {
			markedDecls[m.decl] = true
		}
		for _, k := range found[i].kept {
			kv, err := p.keptVar(k)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			keptObjs[kv.obj] = kv
		}
	}
	state := analyzeState(p, markedDecls, keptObjs)
	errs = append(errs, state.errs...)
	res.Warnings = state.warnings
	index, keepIndex := 0, 0
	for i, file := range p.Files {
		if len(found[i].funcs) == 0 && len(found[i].kept) == 0 {
			continue
		}
		f := &fileRewrite{goos: p.GOOS, fset: p.Fset, tf: p.Fset.File(file.Syntax.Pos()), file: file}
		for _, m := range found[i].funcs {
			pl, err := f.plan(p.Types, p.Sizes, m, index)
			if err == nil && stubTarget(p.GOOS, p.GOARCH) {
				pl.export = exportName(m.decl)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			index++
			pl.stateful = state.stateful[m.decl]
			res.Funcs = append(res.Funcs, Func{ID: pl.id, Fingerprint: pl.fingerprint, Mode: m.mode, Stateful: pl.stateful})
			if pl.export != "" {
				res.Exports = append(res.Exports, pl.export)
			}
			f.plans = append(f.plans, pl)
		}
		for _, k := range found[i].kept {
			for _, kv := range keptObjs {
				if kv.name == k.name {
					f.kept = append(f.kept, keptPlan{index: keepIndex, keptVar: kv})
					keepIndex++
					res.Kept = append(res.Kept, Kept{ID: kv.id, Schema: kv.schema})
				}
			}
		}
		if len(errs) > 0 || len(f.plans) == 0 && len(f.kept) == 0 {
			continue // no need to generate code that will not be built
		}
		edited, generated, err := f.generate()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(f.plans) > 0 {
			res.Overlay[file.Name] = edited
		}
		res.Overlay[GeneratedFile(file.Name)] = generated
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return res, nil
}

// keptVar checks the kept variable k.
func (p *Package) keptVar(k kept) (*keptVar, error) {
	obj, _ := p.Info.Defs[k.name].(*types.Var)
	fail := func(format string, args ...any) error {
		return posError(p.Fset, k.name.Pos(), "", fmt.Sprintf("kept variable %s ", k.name.Name)+fmt.Sprintf(format, args...))
	}
	switch {
	case k.name.Name == "_":
		return nil, fail("has no name to move it by")
	case obj == nil || obj.Pkg() == nil:
		return nil, fail("has no type information: the package does not type-check")
	case obj.Exported():
		return nil, fail("is exported: keep an unexported variable, so that hotpatch build can check every function that uses it (those of its package), and reach it from elsewhere through marked functions")
	}
	if err := checkKept(obj.Type()); err != nil {
		return nil, fail("of type %s %v", obj.Type(), err)
	}
	return &keptVar{kept: k, obj: obj, id: obj.Pkg().Path() + "." + obj.Name(), schema: schemaOf(obj.Type()), recursive: recursive(obj.Type())}, nil
}

// generatedPrefix starts the names of the files that hotpatch build adds to
// a package. A user's file may not take such a name.
const generatedPrefix = "zz_hotpatch_"

// reservedName returns an error if a file of the package has a name that
// hotpatch build's generated files use.
func reservedName(p *Package) error {
	for _, file := range p.Files {
		if strings.HasPrefix(filepath.Base(file.Name), generatedPrefix) {
			return &Error{Pos: p.Fset.Position(file.Syntax.Package),
				Msg: "file names starting with " + generatedPrefix + " are reserved for the code that hotpatch build generates: rename " + filepath.Base(file.Name)}
		}
	}
	return nil
}
