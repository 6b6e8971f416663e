// Directives that cannot work fail at build time, each naming the file, the
// line and the function: generics, function literals, directives on anything
// but a function, and malformed directives.
package main

//hotpatch:func
func generic[T any](v T) T { return v } // want `generic: generic functions cannot be hot-patched`

type Box[T any] struct{ v T }

//hotpatch:func
func (b Box[T]) get() T { return b.v } // want `\(Box\[...\]\).get: generic functions cannot be hot-patched`

func literal() {
	//hotpatch:func // want `//hotpatch:func must stand on the line before a function or method declaration, but it stands before a function literal`
	f := func() {}
	f()
}

//hotpatch:func // want `must stand on the line before a function or method declaration, but it stands before a var declaration`
var notAFunc = 1

//hotpatch:fun // want `unknown directive "//hotpatch:fun"`
func typo() {}

//hotpatch:func fast // want `malformed directive "//hotpatch:func fast"`
func badArg() {}

//hotpatch:func
func init() {} // want `init: init cannot be hot-patched`

//hotpatch:func
func noBody() // want `noBody: a function without a body cannot be hot-patched`

func main() {}
