//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/build"
	"github.com/hotpatch-go/hotpatch/internal/devloop"
)

// saveToLive (figure 11): hotpatch watch on the module, with its default
// debounce, while this process runs the library; each sample saves a
// one-line edit and times it until the first call that runs the new body.
// The baseline is a plain go build -buildmode=c-shared of the same edit,
// which gives a library that still has to be loaded, by a restart.
func (r *results) saveToLive(lib *library, m *module, samples int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	built := make(chan *build.Result, 1)
	done := make(chan error, 1)
	go func() {
		done <- devloop.Run(ctx, devloop.Options{
			Args:     &build.Args{Dir: m.dir, Output: m.out, Packages: []string{"."}},
			Debounce: devloop.DefaultDebounce,
			Stderr:   io.Discard,
			Built: func(res *build.Result, err error) {
				if err != nil {
					fmt.Fprintf(os.Stderr, "bench: watch: %v\n", err)
				}
				built <- res
			},
		})
	}()
	<-built // the first build: unchanged, the library is this source's
	// Outside the module: watch would see the plain build's header.
	plainDir, err := os.MkdirTemp("", "hotpatch-bench-plain-")
	if err != nil {
		return err
	}
	defer removeFolder(plainDir)
	plain := filepath.Join(plainDir, "libplain.so")
	var ours, base, rebuilds []float64
	var phases [4][]float64
	warm, linker := 0, ""
	for range samples {
		start := time.Now()
		if err := m.setVersion(m.version + 1); err != nil {
			return err
		}
		if err := awaitVersion(lib, m.version); err != nil {
			return err
		}
		ours = append(ours, float64(lib.firstSeen(m.version).Sub(start).Microseconds()))
		res := <-built
		if res == nil || res.Unchanged {
			return fmt.Errorf("watch did not publish version %d", m.version)
		}
		for i, d := range []time.Duration{res.Analysis, res.GoBuild, res.Probe, res.Publish} {
			phases[i] = append(phases[i], float64(d.Microseconds()))
		}
		rebuilds = append(rebuilds, float64((res.Analysis + res.GoBuild + res.Probe + res.Publish).Microseconds()))
		if res.Warm {
			warm++
		}
		linker = res.Linker

		start = time.Now()
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", plain, ".")
		cmd.Dir = m.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
		base = append(base, float64(time.Since(start).Microseconds()))
		time.Sleep(300 * time.Millisecond) // the watch is idle again
	}
	cancel()
	if err := <-done; err != nil {
		return err
	}
	for _, p := range []float64{50, 95} {
		r.add(figure{
			name:     fmt.Sprintf("11. Save to new body running, p%.0f", p),
			measured: fmt.Sprintf("%.0f ms, hotpatch watch", percentile(ours, p)/1000),
			baseline: fmt.Sprintf("%.0f ms, go build -buildmode=c-shared of the same edit", percentile(base, p)/1000),
			ratio:    percentile(ours, p) / percentile(base, p),
		})
	}
	r.add(figure{
		name:     "11. Watch rebuild after a one-line edit, analysis warm, p50",
		measured: fmt.Sprintf("%.2f s, hotpatch watch's build", median(rebuilds)/1e6),
		baseline: fmt.Sprintf("%.2f s, go build -buildmode=c-shared of the same edit, default linker", median(base)/1e6),
		ratio:    median(rebuilds) / median(base),
		target:   0.7,
		note:     fmt.Sprintf("analysis, go build, probe and publish, without the debounce; %d of %d builds found the analysis warm (go list not run); %s", warm, samples, linker),
	})
	r.details = append(r.details, fmt.Sprintf("Figure 11 includes watch's %v debounce; the build's medians were: analysis %.0f ms, go build %.0f ms, probe %.0f ms, publish %.1f ms, over %d saves.",
		devloop.DefaultDebounce, median(phases[0])/1000, median(phases[1])/1000, median(phases[2])/1000, median(phases[3])/1000, samples))
	return nil
}
