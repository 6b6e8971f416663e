//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// severalLibraries: a SIGURG in a C host that loads the benchmark library
// from 6 paths, as a mod loader loads 6 mods that use hotpatch, after 6
// rebuilds against before the first. Every Go runtime's preemption and
// every stop of its collector sends SIGURG, and the dispatcher calls each
// runtime's handler: one more per copy, so the cost should grow no faster
// than the copies, 7 times from 6 to 42. Libraries with a table each, as
// libraries whose runtimes start at the same time had, called the others'
// dispatchers in every order: 31 times.
//
// One host loads them one at a time, each called as soon as it is loaded,
// and another loads them all before it calls any (-together): their runtimes
// then start at the same time. Both share one table from the start, since
// each library gives its handlers to the dispatcher inside dlopen (hp_start
// in rt/signals_unix.c).
func (r *results) severalLibraries() error {
	const libs, rebuilds, signals = 6, 6, 2000
	m, err := newBuiltModule()
	if err != nil {
		return err
	}
	defer removeFolder(m.dir)
	paths := []string{m.out}
	for i := 1; i < libs; i++ {
		mod := filepath.Join(m.dir, "mods", strconv.Itoa(i), filepath.Base(m.out))
		if err := os.MkdirAll(filepath.Dir(mod), 0o755); err != nil {
			return err
		}
		if err := copyFile(m.out, mod); err != nil {
			return err
		}
		paths = append(paths, mod)
	}
	for _, together := range []bool{false, true} {
		args := paths
		label := "loaded and called one at a time"
		if together {
			args = append([]string{"-together"}, paths...)
			label = "all loaded before any is called"
		}
		// One host at a time: two would apply every build at once.
		h, err := startCHostWith(m, args)
		if err != nil {
			return err
		}
		if err := h.awaitVersion(m.version); err != nil {
			h.stop()
			return err
		}
		urg := func() float64 { return h.number(fmt.Sprintf("urg %d", signals)) }
		urg()
		before := median([]float64{urg(), urg(), urg(), urg(), urg()})
		for range rebuilds {
			if err := m.setVersion(m.version + 1); err != nil {
				h.stop()
				return err
			}
			if _, err := m.build(m.out); err != nil {
				h.stop()
				return err
			}
			if err := h.awaitVersion(m.version); err != nil {
				h.stop()
				return err
			}
		}
		urg()
		after := median([]float64{urg(), urg(), urg(), urg(), urg()})
		h.stop()
		r.add(figure{
			name:     fmt.Sprintf("15. SIGURG with %d libraries that use hotpatch, %s, after %d rebuilds", libs, label, rebuilds),
			measured: fmt.Sprintf("%.1f µs", after/1000),
			baseline: fmt.Sprintf("%.1f µs, before the first rebuild, the same host", before/1000),
			ratio:    after / before,
			target:   float64(libs*(rebuilds+1)) / libs,
			note: fmt.Sprintf("%d copies against %d: each SIGURG calls every copy's handler once, and the target is that ratio; median of 5 rounds of %d signals",
				libs*(rebuilds+1), libs, signals),
		})
	}
	return nil
}
