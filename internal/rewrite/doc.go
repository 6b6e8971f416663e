// Package rewrite turns the functions marked //hotpatch:func into patchable
// functions, at build time.
//
// It never changes the user's files. For every file with a marked function it
// produces a replacement for go build -overlay: the same text, line for line,
// with a dispatch check at the start of each marked body and the generated
// code appended. /*line*/ directives keep every position of the user's code
// where it was, so compiler errors and stack traces point at the user's lines.
//
// The rules for what may cross between two copies of the library, each with its
// own Go runtime and garbage collector, are in check.go.
package rewrite
