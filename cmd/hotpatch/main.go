// Command hotpatch builds Go c-shared libraries whose //hotpatch:func
// functions are patched live in every process that loaded them.
//
// Usage:
//
//	hotpatch build [go build flags] [-work] -o OUT [PKG | FILE.go...]
//	hotpatch watch [build flags] [-debounce D] -o OUT [PKG | FILE.go...]
//	hotpatch status [-json] -o OUT
//	hotpatch version
//	hotpatch demo
//	hotpatch help [COMMAND]
//
// Run hotpatch help COMMAND for what each command does.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/hotpatch-go/hotpatch/internal/build"
)

// A command is one of hotpatch's commands.
type command struct {
	name  string
	short string // one line for the list of commands
	usage string // the usage line
	long  string // what hotpatch help COMMAND prints after the usage line
	run   func(c *command, ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands []*command

func init() {
	commands = []*command{buildCommand, watchCommand, statusCommand, versionCommand, demoCommand}
}

const overview = `hotpatch builds Go libraries (-buildmode=c-shared) whose functions marked
//hotpatch:func are patched live in every process that loaded them: the next
call of a marked function runs its new body, with no restart.

Usage:

	hotpatch <command> [arguments]

The commands are:

%s
Run "hotpatch help <command>" for more about a command.
`

func main() {
	// go build runs this program again as its -toolexec wrapper.
	build.ServeToolExec()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printOverview(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				printHelp(stdout, c)
				return 0
			}
			fmt.Fprintf(stderr, "hotpatch help %s: unknown command; the commands are %s\n", args[1], names())
			return 2
		}
		printOverview(stdout)
		return 0
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "hotpatch: unknown command %q; the commands are %s\nRun \"hotpatch help\" for usage.\n", args[0], names())
		return 2
	}
	return c.run(c, ctx, args[1:], stdout, stderr)
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func names() string {
	var n []string
	for _, c := range commands {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

func printOverview(w io.Writer) {
	var list strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&list, "\t%-8s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, overview, list.String())
}

func printHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: %s\n\n%s", c.usage, c.long)
}

// usageError reports a bad command line for c, and its usage.
func usageError(stderr io.Writer, c *command, err error) int {
	fmt.Fprintf(stderr, "hotpatch %s: %v\nusage: %s\nRun \"hotpatch help %s\" for details.\n", c.name, err, c.usage, c.name)
	return 2
}

// cutFlag splits -name=value or --name into its name and value.
func cutFlag(arg string) (name, value string, hasValue bool) {
	if !strings.HasPrefix(arg, "-") {
		return "", "", false
	}
	return strings.Cut(strings.TrimLeft(arg, "-"), "=")
}

// noArgs parses the arguments of a command that takes none but -h.
func noArgs(c *command, args []string, stdout, stderr io.Writer) (int, bool) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			printHelp(stdout, c)
			return 0, false
		}
	}
	if len(args) > 0 {
		return usageError(stderr, c, errors.New("unexpected arguments: "+strings.Join(args, " "))), false
	}
	return 0, true
}
