package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/build"
	"github.com/hotpatch-go/hotpatch/internal/devloop"
)

var watchCommand = &command{
	name:  "watch",
	short: "build, then rebuild on every save, and say what each process did",
	usage: "hotpatch watch [build flags] [-debounce D] -o OUT [PKG | FILE.go...]",
	long: `Watch builds the library as hotpatch build does, then builds it again every
time a source file of the module is saved: Go files, cgo C and header files,
embedded files, go.mod. New files and new folders count. After each build it
says, as hotpatch build does, what every running process that has the library
loaded did with it.

Saves are debounced: a build starts once the sources have been quiet for
-debounce (default 200ms). There are never two builds at once, and saves made
during a build give exactly one more build after it. A build that does not
compile prints go build's errors, and watch goes on. Ctrl-C stops it; a build
in progress is stopped before it publishes anything.

It takes hotpatch build's flags.
`,
	run: runWatch,
}

func runWatch(c *command, ctx context.Context, args []string, stdout, stderr io.Writer) int {
	debounce := devloop.DefaultDebounce
	var rest []string
	for i := 0; i < len(args); i++ {
		name, value, hasValue := cutFlag(args[i])
		if name != "debounce" {
			rest = append(rest, args[i])
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return usageError(stderr, c, errors.New("flag -debounce needs a value"))
			}
			i++
			value = args[i]
		}
		d, err := time.ParseDuration(value)
		if err != nil || d < 0 {
			return usageError(stderr, c, fmt.Errorf("-debounce %s: give a duration, such as 200ms", value))
		}
		debounce = d
	}
	a, err := build.ParseArgs(rest)
	if errors.Is(err, build.ErrHelp) {
		printHelp(stdout, c)
		return 0
	}
	if err != nil {
		return usageError(stderr, c, err)
	}
	for _, w := range a.Warnings {
		fmt.Fprintf(stderr, "hotpatch watch: warning: %s\n", w)
	}
	w := stderr
	if a.JSON {
		w = stdout
	}
	p := newPrinter(w, a.JSON)
	err = devloop.Run(ctx, devloop.Options{
		Args:     a,
		Debounce: debounce,
		Stderr:   stderr,
		Built: func(res *build.Result, err error) {
			if err != nil {
				fmt.Fprintf(stderr, "hotpatch watch: %v\n", err)
				return
			}
			reportBuild(ctx, c, p, a, res, stderr)
		},
		Watching: func(dirs []string) {
			fmt.Fprintf(stderr, "hotpatch watch: watching %d folders for saves; Ctrl-C stops\n", len(dirs))
		},
	})
	if err != nil {
		fmt.Fprintf(stderr, "hotpatch watch: %v\n", err)
		return 1
	}
	fmt.Fprintln(stderr, "hotpatch watch: stopped")
	return 0
}
