package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

var statusCommand = &command{
	name:  "status",
	short: "list the processes that have a library loaded",
	usage: "hotpatch status [-json] -o OUT",
	long: `Status lists the running processes that have the library OUT loaded, or a
copy of it: for each, its pid and name, the build it started with, the last
build it reported on and what it did with it, how many copies it holds and
about how many it can, and its resident memory when it last reported.
-json prints one JSON object for each process.
`,
	run: runStatus,
}

// A processStatus is a process as -json prints it.
type processStatus struct {
	artifact.Process
	Last *artifact.Report `json:"last,omitempty"`
}

func runStatus(c *command, ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var out string
	asJSON := false
	for i := 0; i < len(args); i++ {
		name, value, hasValue := cutFlag(args[i])
		switch name {
		case "h", "help":
			printHelp(stdout, c)
			return 0
		case "json":
			asJSON = true
		case "o":
			if !hasValue {
				if i+1 >= len(args) {
					return usageError(stderr, c, errors.New("flag -o needs a value"))
				}
				i++
				value = args[i]
			}
			out = value
		default:
			return usageError(stderr, c, fmt.Errorf("unknown argument %s", args[i]))
		}
	}
	if out == "" {
		return usageError(stderr, c, errors.New("-o is required: it names the library, as hotpatch build does"))
	}
	out, _ = filepath.Abs(out)
	procs, err := artifact.Processes(out)
	if err != nil {
		fmt.Fprintf(stderr, "hotpatch status: %v\n", err)
		return 1
	}
	if len(procs) == 0 && !asJSON {
		fmt.Fprintf(stdout, "no running process has %s loaded\n", filepath.Base(out))
	}
	for _, p := range procs {
		st := processStatus{Process: p}
		if r, err := artifact.ReadReport(out, p.PID); err == nil {
			st.Last = &r
		}
		if asJSON {
			data, _ := json.Marshal(st)
			fmt.Fprintf(stdout, "%s\n", data)
			continue
		}
		line := fmt.Sprintf("pid %d (%s): started with build %s %s ago", p.PID, p.Name, p.Build, time.Since(p.Started).Round(time.Second))
		if r := st.Last; r != nil {
			line += fmt.Sprintf("; build %s %s", r.Build, r.Result)
			if r.Copies > 0 {
				line += fmt.Sprintf("; copies: %d", r.Copies)
				if r.Budget > 0 {
					line += fmt.Sprintf(" of about %d", r.Budget)
				}
			}
			if r.RSS > 0 {
				line += fmt.Sprintf("; memory %.0f MB", float64(r.RSS)/(1<<20))
			}
		}
		fmt.Fprintln(stdout, line)
	}
	return 0
}
