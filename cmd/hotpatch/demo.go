package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hotpatch-go/hotpatch/internal/demo"
)

var demoCommand = &command{
	name:  "demo",
	short: "show hot-patching live, end to end (run it from a checkout of hotpatch)",
	usage: "hotpatch demo",
	long: `Demo builds an example library, starts a C program that calls it five times
a second, edits the example's source and rebuilds it while the program runs,
so that the program's output changes in the same process. It needs Go, a C
compiler, and a checkout of github.com/hotpatch-go/hotpatch to run in.
`,
	run: runDemo,
}

func runDemo(c *command, ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, ok := noArgs(c, args, stdout, stderr); !ok {
		return code
	}
	if err := demo.Run(ctx, stdout); err != nil {
		fmt.Fprintf(stderr, "hotpatch demo: %v\n", err)
		return 1
	}
	return 0
}
