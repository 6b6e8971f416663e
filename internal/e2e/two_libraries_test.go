//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestTwoLibraries loads the same library twice, from two paths, as a game
// may load one mod from two folders. Each copy runs a patcher of its own in
// the process, and both follow every rebuild. It guards the bug where both
// patchers took the same copy names and the second truncated a copy the first
// had loaded: the process died of SIGBUS. And each patcher loads a copy of
// its own, though both link the same build: the loader hands the second the
// copy the first loaded from that file, and the second then copies it.
func TestTwoLibraries(t *testing.T) {
	l := newLib(t)
	l.mustBuild()
	mod := filepath.Join(t.TempDir(), "mods", "libtest.so")
	copyFile(t, l.out, mod)
	h := startHost(t, nil, cHost(t), "-also", l.out, mod)
	h.expect("compute 7", "7001")
	h.expect("compute2 7", "7001")
	for v := 1; v <= 3; v++ {
		l.setVersion(v, v+1)
		l.mustBuild()
		want := 7000 + v + 1
		h.await("compute 7", strconv.Itoa(want))
		h.await("compute2 7", strconv.Itoa(want))
	}
	h.awaitCount(`msg="hotpatch: loaded new build"`, 6)
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(l.out), ".hotpatch", "libtest.hotpatch-*"))
	out, err := os.Stat(l.out)
	if err != nil {
		t.Fatal(err)
	}
	var seen []os.FileInfo
	links := 0
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, other := range seen {
			if os.SameFile(fi, other) {
				t.Errorf("two copies are one file: %s and %s", f, other.Name())
			}
		}
		seen = append(seen, fi)
		if os.SameFile(fi, out) {
			links++
		}
	}
	if len(files) != 6 || links != 1 {
		t.Errorf("%d files in .hotpatch, %d of them the output's file; want 6, and 1 link to the last build", len(files), links)
	}
}

// TestTwoLibrariesFaults loads two libraries into a Go host. Each runs a
// signal dispatcher of its own, and each patcher puts its dispatcher back
// when it finds the other's installed, so each dispatcher ends up handing
// the faults it does not own to the other. It guards the bug where a fault
// outside every copy, here in the host's own Go code, went back and forth
// between the two until the signal stack ran out, and the process died of
// SIGSEGV.
func TestTwoLibrariesFaults(t *testing.T) {
	l := newLib(t)
	l.mustBuild()
	mod := filepath.Join(t.TempDir(), "mods", "libtest.so")
	copyFile(t, l.out, mod)
	h := startHost(t, nil, goHost(t, linux), "-also", mod, l.out)
	check := func() {
		t.Helper()
		for _, c := range []struct{ what, command string }{
			{"a nil dereference in the host's Go code", "host-nilderef"},
			{"a broken pipe in the host's Go code", "host-brokenpipe"},
			{"a nil dereference in the first library", "nilderef"},
			{"a broken pipe in the first library", "brokenpipe"},
		} {
			if got := h.do(c.command); got != "1" {
				t.Fatalf("%s (%s): %q, want 1", c.what, c.command, got)
			}
		}
	}
	h.expect("compute 7", "7001")
	h.expect("compute2 7", "7001")
	check()
	for v := 1; v <= 2; v++ {
		l.setVersion(v, v+1)
		l.mustBuild()
		want := strconv.Itoa(7000 + v + 1)
		h.await("compute 7", want)
		h.await("compute2 7", want)
		check()
	}
}
