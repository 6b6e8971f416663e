package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
)

// Kept state lives in one copy at a time: the copy that runs the marked
// functions now, the owner. When a build is applied, every kept variable
// moves from the old owner into the new one. So only code that always runs in
// the owner may touch it: marked functions, and what they call. Marked
// callees are dispatched to the owner, and the build refuses any unmarked
// function that refers to a kept variable directly; so a marked function uses
// kept state exactly when its own body (closures included) refers to a kept
// variable: it is stateful. A stateful function must never run in a copy that
// no longer owns the state; the runtime refuses an apply that would let it.

// A keptVar is a kept variable of the package.
type keptVar struct {
	kept
	obj       *types.Var
	id        string
	schema    *Schema
	recursive bool
}

// stateAnalysis is what analyzeState finds.
type stateAnalysis struct {
	stateful map[*ast.FuncDecl]bool
	errs     []error
	warnings []*Error
}

// analyzeState checks every function of the package that refers to a kept
// variable, finds the stateful marked functions, and warns about package
// variables that marked and unmarked functions share.
func analyzeState(p *Package, marked map[*ast.FuncDecl]bool, keptObjs map[*types.Var]*keptVar) *stateAnalysis {
	res := &stateAnalysis{stateful: map[*ast.FuncDecl]bool{}}
	type use struct {
		decl *ast.FuncDecl
		pos  token.Pos
	}
	uses := map[*types.Var][]use{} // package variables, by the functions that use them
	written := map[*types.Var]bool{}
	for _, file := range p.Files {
		for _, d := range file.Syntax.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			isInit := fd.Recv == nil && fd.Name.Name == "init"
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.Ident:
					if v := packageVar(p, n); v != nil {
						uses[v] = append(uses[v], use{fd, n.Pos()})
					}
				case *ast.GoStmt:
					if lit, ok := n.Call.Fun.(*ast.FuncLit); ok && marked[fd] {
						if v, pos := firstKept(p, lit, keptObjs); v != nil {
							res.errs = append(res.errs, posError(p.Fset, pos, funcName(fd), fmt.Sprintf(
								"starts a goroutine whose function literal uses kept variable %s: the goroutine runs outside any marked call, where an apply cannot wait for it, and after a reload it would use a stale copy; have the goroutine call a marked function instead",
								v.obj.Name())))
						}
					}
				}
				if !isInit {
					for _, v := range writtenVars(p, n) {
						written[v] = true
					}
				}
				return true
			})
		}
	}
	vars := make([]*types.Var, 0, len(uses))
	for v := range uses {
		vars = append(vars, v)
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Pos() < vars[j].Pos() })
	for _, v := range vars {
		var markedUse, unmarkedUse *use
		for i, u := range uses[v] {
			switch {
			case marked[u.decl]:
				if keptObjs[v] != nil {
					res.stateful[u.decl] = true
				}
				if markedUse == nil {
					markedUse = &uses[v][i]
				}
			case u.decl.Recv == nil && u.decl.Name.Name == "init":
			default:
				if unmarkedUse == nil {
					unmarkedUse = &uses[v][i]
				}
			}
		}
		if kv := keptObjs[v]; kv != nil {
			if unmarkedUse != nil {
				name := funcName(unmarkedUse.decl)
				res.errs = append(res.errs, posError(p.Fset, unmarkedUse.pos, name, fmt.Sprintf(
					"uses kept variable %s, but is not marked: only marked functions run in the copy that holds kept state, and after a reload %s would use a stale copy; mark %s with //hotpatch:func",
					v.Name(), name, name)))
			}
			continue
		}
		if markedUse != nil && unmarkedUse != nil && written[v] {
			m, u := funcName(markedUse.decl), funcName(unmarkedUse.decl)
			res.warnings = append(res.warnings, &Error{Pos: p.Fset.Position(v.Pos()), Msg: fmt.Sprintf(
				"variable %s is used by the marked function %s and by %s, which is not marked, and it changes after init: after a reload, %s uses the new copy's %s and %s the original copy's. "+
					"Keep it (//hotpatch:keep on its declaration), or mark %s (//hotpatch:func)",
				v.Name(), m, u, m, v.Name(), u, u)})
		}
	}
	return res
}

// packageVar returns the package-level variable that id refers to, or nil.
func packageVar(p *Package, id *ast.Ident) *types.Var {
	v, ok := p.Info.Uses[id].(*types.Var)
	if !ok || v.Pkg() == nil || v.Parent() != v.Pkg().Scope() || v.Name() == "_" {
		return nil
	}
	return v
}

// firstKept returns the first kept variable that n refers to, and where.
func firstKept(p *Package, n ast.Node, keptObjs map[*types.Var]*keptVar) (*keptVar, token.Pos) {
	var found *keptVar
	var pos token.Pos
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && found == nil {
			if v := packageVar(p, id); v != nil && keptObjs[v] != nil {
				found, pos = keptObjs[v], id.Pos()
			}
		}
		return found == nil
	})
	return found, pos
}

// writtenVars returns the package variables that the statement or
// expression n may change: assigned to, incremented, addressed, or called a
// pointer method on.
func writtenVars(p *Package, n ast.Node) []*types.Var {
	var exprs []ast.Expr
	switch n := n.(type) {
	case *ast.AssignStmt:
		exprs = n.Lhs
	case *ast.IncDecStmt:
		exprs = []ast.Expr{n.X}
	case *ast.RangeStmt:
		if n.Tok == token.ASSIGN {
			exprs = []ast.Expr{n.Key, n.Value}
		}
	case *ast.UnaryExpr:
		if n.Op == token.AND {
			exprs = []ast.Expr{n.X}
		}
	case *ast.CallExpr:
		if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
			if s := p.Info.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
				if sig, ok := s.Obj().Type().(*types.Signature); ok && sig.Recv() != nil {
					if _, ptr := sig.Recv().Type().(*types.Pointer); ptr {
						exprs = []ast.Expr{sel.X}
					}
				}
			}
		}
	}
	var vars []*types.Var
	for _, e := range exprs {
		if id := rootIdent(e); id != nil {
			if v := packageVar(p, id); v != nil {
				vars = append(vars, v)
			}
		}
	}
	return vars
}

// rootIdent returns the variable at the root of a selector, index or slice
// expression: world in world.Entities[i].HP.
func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil
		}
	}
}
