package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"strings"
)

// directivePrefix starts every hotpatch directive.
const directivePrefix = "//hotpatch:"

// A Mode says how a marked function's values cross between copies.
type Mode int

const (
	// Default passes values in a frame, and accepts only types for which
	// that is memory-safe.
	Default Mode = iota
	// Checked passes values through MessagePack.
	Checked
)

func (m Mode) String() string {
	if m == Checked {
		return "checked"
	}
	return "default"
}

// A marked function, as found in a file.
type marked struct {
	decl *ast.FuncDecl
	mode Mode
	pos  token.Pos // of the directive
}

// A kept variable, as found in a file: //hotpatch:keep on the line before
// a package-level var declaration, or before one spec of a var group.
type kept struct {
	name *ast.Ident
	spec *ast.ValueSpec
	pos  token.Pos // of the directive
}

// The directives.
const (
	funcDirective = "func"
	keepDirective = "keep"
)

// directives are the functions and variables that file marks, and an error
// for every directive that is malformed or on the wrong declaration.
type directives struct {
	funcs []marked
	kept  []kept
	errs  []error
}

// findDirectives returns the directives of file.
func findDirectives(fset *token.FileSet, file *ast.File) directives {
	funcOf := map[*ast.Comment]*ast.FuncDecl{}
	specsOf := map[*ast.Comment][]*ast.ValueSpec{}
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Doc != nil {
				for _, c := range d.Doc.List {
					funcOf[c] = d
				}
			}
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			var specs []*ast.ValueSpec
			for _, sp := range d.Specs {
				vs := sp.(*ast.ValueSpec)
				specs = append(specs, vs)
				if vs.Doc != nil {
					for _, c := range vs.Doc.List {
						specsOf[c] = []*ast.ValueSpec{vs}
					}
				}
			}
			if d.Doc != nil {
				for _, c := range d.Doc.List {
					specsOf[c] = specs
				}
			}
		}
	}
	var found directives
	for _, g := range file.Comments {
		for _, c := range g.List {
			if !strings.HasPrefix(c.Text, directivePrefix) {
				continue
			}
			kind, mode, err := parseDirective(c.Text)
			if err != nil {
				found.errs = append(found.errs, posError(fset, c.Pos(), "", err.Error()))
				continue
			}
			switch kind {
			case funcDirective:
				fd := funcOf[c]
				if fd == nil {
					found.errs = append(found.errs, posError(fset, c.Pos(), "", "//hotpatch:func must stand on the line before a function or method declaration, but "+whatFollows(fset, file, c)))
					continue
				}
				found.funcs = append(found.funcs, marked{decl: fd, mode: mode, pos: c.Pos()})
			case keepDirective:
				specs, ok := specsOf[c]
				if !ok {
					found.errs = append(found.errs, posError(fset, c.Pos(), "", "//hotpatch:keep must stand on the line before a package-level var declaration, but "+whatFollows(fset, file, c)))
					continue
				}
				for _, vs := range specs {
					for _, n := range vs.Names {
						found.kept = append(found.kept, kept{name: n, spec: vs, pos: c.Pos()})
					}
				}
			}
		}
	}
	return found
}

// parseDirective parses a //hotpatch: comment: which directive it is, and
// for //hotpatch:func, the mode. A comment may follow the directive on its
// line, after //.
func parseDirective(text string) (string, Mode, error) {
	text, _, _ = strings.Cut(text, " //")
	text = strings.TrimSpace(text)
	fields := strings.Fields(strings.TrimPrefix(text, directivePrefix))
	switch {
	case len(fields) == 0 || fields[0] != funcDirective && fields[0] != keepDirective:
		return "", 0, fmt.Errorf("unknown directive %q: the directives are //hotpatch:func, optionally followed by checked, and //hotpatch:keep", text)
	case fields[0] == keepDirective && len(fields) == 1:
		return keepDirective, 0, nil
	case fields[0] == keepDirective:
		return "", 0, fmt.Errorf("malformed directive %q: write //hotpatch:keep", text)
	case len(fields) == 1:
		return funcDirective, Default, nil
	case len(fields) == 2 && fields[1] == "checked":
		return funcDirective, Checked, nil
	}
	return "", 0, fmt.Errorf("malformed directive %q: write //hotpatch:func or //hotpatch:func checked", text)
}

// whatFollows describes the code after a stray directive, for its error.
func whatFollows(fset *token.FileSet, file *ast.File, c *ast.Comment) string {
	next := fset.Position(c.End()).Line + 1
	var lit bool
	var desc string
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil || fset.Position(n.End()).Line < next || fset.Position(n.Pos()).Line > next {
			return false
		}
		if fset.Position(n.Pos()).Line == next {
			switch n := n.(type) {
			case *ast.FuncLit:
				lit = true
			case *ast.GenDecl:
				desc = "it stands before a " + n.Tok.String() + " declaration"
			}
		}
		return true
	})
	switch {
	case lit:
		return "it stands before a function literal, and function literals cannot be hot-patched: move the code into a named function and mark that"
	case desc != "":
		return desc
	}
	return "no function declaration follows it"
}

// An Error is a problem with a marked function, or with a directive.
type Error struct {
	Pos  token.Position
	Func string // empty for a directive that is on no function
	Msg  string
}

func (e *Error) Error() string {
	if e.Func == "" {
		return fmt.Sprintf("%s: hotpatch: %s", e.Pos, e.Msg)
	}
	return fmt.Sprintf("%s: hotpatch: %s: %s", e.Pos, e.Func, e.Msg)
}

func posError(fset *token.FileSet, pos token.Pos, fn, msg string) *Error {
	return &Error{Pos: fset.Position(pos), Func: fn, Msg: msg}
}
