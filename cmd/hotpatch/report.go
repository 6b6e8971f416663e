package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
	"github.com/hotpatch-go/hotpatch/internal/build"
)

// What hotpatch build and hotpatch watch print after a build: one line for
// the build, and one for each process that has the library loaded, saying
// what it did with the build.

// A printer prints reports, in colour only on a terminal that wants it.
type printer struct {
	w     io.Writer
	color bool
	json  bool
}

func newPrinter(w io.Writer, asJSON bool) *printer {
	f, ok := w.(*os.File)
	return &printer{w: w, json: asJSON, color: ok && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" && isTerminal(f)}
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// A buildEvent is a build and what the processes did with it, as -json
// prints it: one JSON object a line.
type buildEvent struct {
	Output    string                `json:"output"`
	Build     string                `json:"build"`
	Funcs     int                   `json:"funcs"`
	Unchanged bool                  `json:"unchanged,omitempty"`
	Linker    string                `json:"linker,omitempty"`
	Error     string                `json:"error,omitempty"`
	Processes []build.ProcessResult `json:"processes"`
}

// build prints a build and its results.
func (p *printer) build(res *build.Result, results []build.ProcessResult, wait time.Duration) {
	if p.json {
		data, _ := json.Marshal(buildEvent{Output: res.Output, Build: res.Build, Funcs: len(res.Funcs), Unchanged: res.Unchanged, Linker: res.Linker, Processes: results})
		fmt.Fprintf(p.w, "%s\n", data)
		return
	}
	name := filepath.Base(res.Output)
	if res.Unchanged {
		fmt.Fprintf(p.w, "hotpatch: %s unchanged: the new build runs the same code as build %s (only comments, formatting or positions changed), so it was not published\n",
			name, res.Build)
		return
	}
	fmt.Fprintf(p.w, "hotpatch: built %s (build %s, %s, %s)\n", name, res.Build, count(len(res.Funcs), "patchable function"), res.Linker)
	if wait == 0 {
		return
	}
	if len(results) == 0 {
		fmt.Fprintf(p.w, "hotpatch: no running process has %s loaded\n", name)
	}
	for _, r := range results {
		p.process(r, wait)
	}
}

// process prints what one process did.
func (p *printer) process(r build.ProcessResult, wait time.Duration) {
	who := fmt.Sprintf("pid %d (%s)", r.Process.PID, r.Process.Name)
	switch {
	case r.Started:
		fmt.Fprintf(p.w, "  %s: started with this build\n", who)
		return
	case r.Report == nil:
		fmt.Fprintf(p.w, "  %s: %s\n", who, p.paint("33", fmt.Sprintf("did not answer within %v", wait)))
		return
	}
	rep := r.Report
	budget := ""
	if rep.Copies > 0 {
		budget = fmt.Sprintf(", copy %d", rep.Copies)
		if rep.Budget > 0 {
			budget += fmt.Sprintf(" of about %d", rep.Budget)
		}
	}
	switch rep.Result {
	case artifact.Applied:
		line := fmt.Sprintf("%s in %v: %d patched", p.paint("32", "applied"), rep.Took.Round(time.Millisecond), rep.Patched)
		if len(rep.Kept) > 0 {
			line += ", " + p.paint("33", fmt.Sprintf("%d kept on their old body", len(rep.Kept)))
		}
		fmt.Fprintf(p.w, "  %s: %s%s\n", who, line, budget)
		for _, k := range rep.Kept {
			fmt.Fprintf(p.w, "    kept %s: %s\n", k.Func, k.Reason)
		}
	case artifact.Refused:
		fmt.Fprintf(p.w, "  %s: %s: %s\n", who, p.paint("31", "not applied"), firstLine(rep.Reason))
	default:
		fmt.Fprintf(p.w, "  %s: %s: %s%s\n", who, p.paint("33", rep.Result), rep.Reason, budget)
	}
}

// count says n things: "1 patchable function", "3 patchable functions".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
