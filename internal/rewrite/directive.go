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

// findDirectives returns the functions of file marked with //hotpatch:func,
// and an error for every directive that is malformed or not on a function.
func findDirectives(fset *token.FileSet, file *ast.File) ([]marked, []error) {
	docOf := map[*ast.Comment]*ast.FuncDecl{}
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
			for _, c := range fd.Doc.List {
				docOf[c] = fd
			}
		}
	}
	var found []marked
	var errs []error
	for _, g := range file.Comments {
		for _, c := range g.List {
			if !strings.HasPrefix(c.Text, directivePrefix) {
				continue
			}
			mode, err := parseDirective(c.Text)
			if err != nil {
				errs = append(errs, posError(fset, c.Pos(), "", err.Error()))
				continue
			}
			fd := docOf[c]
			if fd == nil {
				errs = append(errs, posError(fset, c.Pos(), "", "//hotpatch:func must stand on the line before a function or method declaration, but "+whatFollows(fset, file, c)))
				continue
			}
			found = append(found, marked{decl: fd, mode: mode, pos: c.Pos()})
		}
	}
	return found, errs
}

func parseDirective(text string) (Mode, error) {
	fields := strings.Fields(strings.TrimPrefix(text, directivePrefix))
	if len(fields) == 0 || fields[0] != "func" {
		return 0, fmt.Errorf("unknown directive %q: the only directive is //hotpatch:func, optionally followed by checked", text)
	}
	switch {
	case len(fields) == 1:
		return Default, nil
	case len(fields) == 2 && fields[1] == "checked":
		return Checked, nil
	}
	return 0, fmt.Errorf("malformed directive %q: write //hotpatch:func or //hotpatch:func checked", text)
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
