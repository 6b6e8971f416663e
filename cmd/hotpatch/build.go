package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hotpatch-go/hotpatch/internal/build"
)

var buildCommand = &command{
	name:  "build",
	short: "build a library and publish it to the processes that run it",
	usage: "hotpatch build [go build flags] [-work] [-rollback] [-probe=false] [-wait D] [-json] -o OUT [PKG | FILE.go...]",
	long: `Build builds the main package as a c-shared library at OUT, with the
functions marked //hotpatch:func made patchable, and publishes it: every
process that loaded an earlier build of OUT, or a copy of it, runs the new
bodies of the marked functions from its next call on.

The main package is named as go build names it: a directory (the default is
"."), an import path, a pattern that matches one main package, or the list of
its .go files. Go build's flags work as they do there; -buildmode is always
c-shared.

A function that cannot be patched, or a malformed directive, is an error that
names the file, the line, the function and the reason, and nothing is built.
A build that does not compile leaves OUT, and every running process, as they
were.

Before publishing, build loads the new build once as a patch copy in a
process of its own: a build whose package initialisation panics, crashes or
exits is not published, and its panic is printed. -probe=false publishes
without this, for a library whose initialisation needs its host.

A build that runs the same code as the published one, such as after a
comment edit, is not published: every copy that a process loads costs it
memory and threads for good.

After publishing, build waits for each running process that has the library
loaded to say what it did with the build, and prints one line for each: how
many functions it patched, which kept their old body and why, or why it did
not apply the build. -wait sets how long it waits (default 3s; 0 does not
wait), and -json prints the build and the results as one JSON object, for
tools (go build's own -json is not passed on).

The -work flag keeps the overlay that holds the generated code, and prints
where it is, as go build -work does for its work folder.
`,
	run: runBuild,
}

func runBuild(c *command, ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a, err := build.ParseArgs(args)
	if errors.Is(err, build.ErrHelp) {
		printHelp(stdout, c)
		return 0
	}
	if err != nil {
		return usageError(stderr, c, err)
	}
	for _, w := range a.Warnings {
		fmt.Fprintf(stderr, "hotpatch build: warning: %s\n", w)
	}
	res, err := build.Run(ctx, a, stderr)
	if res != nil && res.Work != "" {
		fmt.Fprintf(stderr, "hotpatch build: WORK=%s\n", res.Work)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hotpatch build: %v\n", err)
		return 1
	}
	w := stderr
	if a.JSON {
		w = stdout
	}
	reportBuild(ctx, c, newPrinter(w, a.JSON), a, res, stderr)
	return 0
}

// reportBuild prints what a successful build says, waits for the running
// processes' reports, and prints them.
// Its own notes and warnings name the command, c, as its errors do.
func reportBuild(ctx context.Context, c *command, p *printer, a *build.Args, res *build.Result, stderr io.Writer) {
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "%s: hotpatch: warning: %s\n", w.Pos, w.Msg)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stderr, "hotpatch %s: note: %s\n", c.name, n)
	}
	if len(res.Funcs) == 0 && !res.Unchanged {
		fmt.Fprintf(stderr, "hotpatch %s: warning: no function is marked //hotpatch:func in %s: nothing in %s can be patched\n",
			c.name, strings.Join(res.Searched, ", "), filepath.Base(res.Output))
	}
	var results []build.ProcessResult
	if a.Wait > 0 && !res.Unchanged {
		results, _ = build.AwaitReports(ctx, res.Output, res.Build, a.Wait)
	}
	p.build(res, results, a.Wait)
}
