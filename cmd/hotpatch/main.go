// Command hotpatch builds Go c-shared libraries whose //hotpatch:func
// functions are patched live in every process that loaded them.
//
// Usage:
//
//	hotpatch build [go build flags] -o OUT [PKG]
//	hotpatch demo
//
// build builds the main package PKG (default ".") as a c-shared library at OUT,
// with the marked functions made patchable. Every later build to the same OUT
// reaches the processes that loaded it. A function that cannot be patched, or a
// malformed directive, is an error that names the function and the reason.
//
// demo builds an example library, starts a C program that calls it, edits the
// example's source and rebuilds it while the program runs, so that the output
// changes before your eyes. Run it from a checkout of the repository.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/hotpatch-go/hotpatch/internal/build"
	"github.com/hotpatch-go/hotpatch/internal/demo"
)

const usage = `usage:
	hotpatch build [go build flags] -o OUT [PKG]
	hotpatch demo
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "build":
		a, err := build.ParseArgs(args[1:])
		if err != nil {
			fmt.Fprintf(stderr, "hotpatch build: %v\n%s", err, usage)
			return 2
		}
		res, err := build.Run(ctx, a, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "hotpatch build: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "hotpatch: built %s (build %s, %d patchable functions)\n", filepath.Base(res.Output), res.Build, len(res.Funcs))
		return 0
	case "demo":
		if err := demo.Run(ctx, stdout); err != nil {
			fmt.Fprintf(stderr, "hotpatch demo: %v\n", err)
			return 1
		}
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "hotpatch: unknown command %q\n%s", args[0], usage)
	return 2
}
