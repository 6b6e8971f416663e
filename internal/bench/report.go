//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// markdown renders the report: the table, then the machine it ran on.
func (r *results) markdown() string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Made by `go run ./internal/bench -o BENCHMARKS.md`. Every figure is a ratio to a baseline measured in the same run, in the same process where it applies; absolute times on a shared machine are noise, and are shown only to say what was compared.\n\n")
	b.WriteString("| Figure | Measured | Baseline | Ratio | Target |\n|---|---|---|---|---|\n")
	for _, f := range r.figures {
		target := "—"
		if f.target > 0 {
			verdict := "met"
			if f.ratio > f.target {
				verdict = "**missed**"
			}
			target = fmt.Sprintf("≤ %.2f×, %s", f.target, verdict)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f× | %s |\n", f.name, f.measured, f.baseline, f.ratio, target)
	}
	b.WriteString("\n")
	for _, f := range r.figures {
		if f.note != "" {
			fmt.Fprintf(&b, "- %s: %s\n", f.name, f.note)
		}
	}
	for _, d := range r.details {
		fmt.Fprintf(&b, "- %s\n", d)
	}
	fmt.Fprintf(&b, "\nMachine: %s, %d CPUs, %s. Go: %s. Date: %s.\n", cpuModel(), runtime.NumCPU(), kernel(), runtime.Version(), time.Now().UTC().Format("2006-01-02"))
	return b.String()
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func kernel() string {
	out, err := exec.Command("uname", "-sr").Output()
	if err != nil {
		return runtime.GOOS
	}
	return strings.TrimSpace(string(out))
}
