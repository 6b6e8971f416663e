// Package main is a library with heavy dependencies from the module proxy, a
// JavaScript engine and an expression engine, for the build figures: its
// link is large, as real libraries' are.
package main

import "C"

import (
	"github.com/dop251/goja"
	"github.com/expr-lang/expr"

	_ "github.com/hotpatch-go/hotpatch"
)

const version = 1

//hotpatch:func
func evaluate(n int64) int64 {
	vm := goja.New()
	v, err := vm.RunString("40 + 2")
	if err != nil {
		return -1
	}
	out, err := expr.Eval("a * n + v", map[string]any{"a": int64(version), "n": n, "v": v.ToInteger()})
	if err != nil {
		return -1
	}
	return out.(int64)
}

//export Evaluate
func Evaluate(n int64) int64 { return evaluate(n) }

func main() {}
