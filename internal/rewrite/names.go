package rewrite

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// Identifiers of the generated code start with _hotpatch, and its local
// variables with _hp, so that they neither collide with the user's names nor
// hide them: a marked function may be called frame, f or t. Identifiers of a
// marked function carry its index in the package (_hotpatchSlot3), so that no
// two functions' identifiers can be the same, whatever their names.
//
// The locals of the generated functions:
//
//	_hpT     the target: the marked function in another copy
//	_hpF     the frame that carries the call's values
//	_hpPi    the i-th argument, receiver first, as the caller passes it
//	_hpAi    the i-th argument as the body receives it, in the callee's heap
//	_hpRi    the i-th result
//	_hpD     the decoder of a checked call's arguments
const (
	rootName   = "_hotpatch"
	rtName     = "_hotpatchrt"
	unsafeName = "_hotpatchunsafe"
	syncName   = "_hotpatchsync"
)

// funcName is how messages name a declared function: f, or (*T).m for a
// method.
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

// recvTypeName is the name of a receiver's type, without * or type
// arguments.
func recvTypeName(e ast.Expr) string {
	return strings.NewReplacer("*", "", "[...]", "").Replace(exprString(e))
}

func recvIsGeneric(d *ast.FuncDecl) bool {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return false
	}
	return strings.Contains(exprString(d.Recv.List[0].Type), "[...]")
}

// argName is how messages name a parameter or result: by its name, or by
// its position if the source leaves it unnamed or blank.
func argName(v *types.Var, i int) string {
	if v.Name() == "" || v.Name() == "_" {
		return fmt.Sprintf("#%d", i+1)
	}
	return v.Name()
}

// qualified names a type as messages and checked mode's errors show it:
// qualified by package name, as in main.Item.
func qualified(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}
