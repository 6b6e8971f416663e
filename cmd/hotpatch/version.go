package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/hotpatch-go/hotpatch/internal/version"
)

var versionCommand = &command{
	name:  "version",
	short: "print hotpatch's version, and the one the current module uses",
	usage: "hotpatch version",
	long: `Version prints the version of this hotpatch and of the Go it was built with.
Inside a module, it also prints the version of github.com/hotpatch-go/hotpatch
that the module uses: hotpatch build refuses to build when the two differ.
`,
	run: runVersion,
}

func runVersion(c *command, ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, ok := noArgs(c, args, stdout, stderr); !ok {
		return code
	}
	fmt.Fprintf(stdout, "hotpatch %s (%s, runtime source %s)\n", version.CLI(), version.Go(), version.Source())
	if dir := version.CheckoutDir(); dir != "" && version.CLI() == version.Devel {
		fmt.Fprintf(stdout, "built from %s\n", dir)
	}
	if mod, used := moduleVersion(ctx); mod != "" {
		fmt.Fprintf(stdout, "module %s uses %s\n", mod, used)
	}
	return 0
}

// moduleVersion returns the current module and what it uses of hotpatch:
// a version, a replacement, or "no version" when it does not require it.
func moduleVersion(ctx context.Context) (mod, used string) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Path}}").Output()
	if err != nil {
		return "", ""
	}
	mod = strings.TrimSpace(strings.Split(string(out), "\n")[0])
	if mod == "" || mod == "command-line-arguments" {
		return "", ""
	}
	out, err = exec.CommandContext(ctx, "go", "list", "-m", "-json", version.ModulePath).Output()
	if err != nil {
		return mod, version.ModulePath + ": not required"
	}
	var m struct {
		Version string
		Main    bool
		Replace *struct{ Path, Version string }
	}
	if json.Unmarshal(out, &m) != nil {
		return mod, version.ModulePath + ": unknown"
	}
	if m.Main {
		return mod, "its own source (it is hotpatch)"
	}
	used = version.ModulePath + " " + m.Version
	if m.Replace != nil {
		used += " => " + strings.TrimSpace(m.Replace.Path+" "+m.Replace.Version)
	}
	return mod, used
}
