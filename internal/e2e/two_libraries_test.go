//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestTwoLibraries loads the same library twice, from two paths, as a game
// may load one mod from two folders. Each copy runs a patcher of its own in
// the process, and both follow every rebuild. It guards the bug where both
// patchers took the same copy names and the second truncated a copy the first
// had loaded: the process died of SIGBUS. And each patcher loads a copy of
// its own, though both link the same build: the loader hands the second the
// copy the first loaded from that file, and the second then copies it. The
// second keeps its link, which the loader now knows as a name of the first's
// copy: a patcher that placed a copy at that name later would be handed the
// first's copy back.
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
	names, _ := filepath.Glob(filepath.Join(filepath.Dir(l.out), ".hotpatch", "libtest.hotpatch-*"))
	out, err := os.Stat(l.out)
	if err != nil {
		t.Fatal(err)
	}
	// Each build: the first patcher's link, the second's link to the same
	// file, which it keeps, and the second's copy.
	var files []os.FileInfo
	links := 0
	for _, f := range names {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fi)
		if os.SameFile(fi, out) {
			links++
		}
	}
	distinct := 0
	for i, fi := range files {
		names := 0
		for _, other := range files {
			if os.SameFile(fi, other) {
				names++
			}
		}
		if names > 2 {
			t.Errorf("%s has %d names in .hotpatch, want at most 2: the two patchers' links", fi.Name(), names)
		}
		if !slices.ContainsFunc(files[:i], func(o os.FileInfo) bool { return os.SameFile(fi, o) }) {
			distinct++
		}
	}
	if len(files) != 9 || distinct != 6 || links != 2 {
		t.Errorf("%d files in .hotpatch, %d different, %d of them links to the output; want 9, 6 different, and the two links to the last build", len(files), distinct, links)
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

// TestManyLibraries loads the same library four times, from four paths, as
// a mod loader loads four mods, and calls each once before it loads the next.
// The three loaded after the first join its SIGURG dispatcher, so that each
// SIGURG calls every runtime's handler once. It guards the bug where each
// library kept a dispatcher of its own and called the others' as handlers,
// each of which called all the others again: with 7 libraries and 8
// rebuilds, one SIGURG took about 540 times as long as before the first
// rebuild. Every library must still receive its
// SIGURG after the rebuilds, and no library may take another's dispatcher
// for a handler the host installed.
func TestManyLibraries(t *testing.T) { testManyLibraries(t, false) }

// TestManyLibrariesTogether is TestManyLibraries for a host that loads the
// four libraries before it calls any, so that their runtimes start at the
// same time, and each collects during its package initialisation
// (TESTLIB_EARLY_GC), as the other libraries load. Each library must follow
// the first from its start, and receive its own SIGURG from its start on. It
// guards two bugs: each library began with a table of its own, and a
// SIGURG went through every table in every order; and a runtime's SIGURG
// went to another's handler until its packages initialised, so that one
// collection in about five runs waited forever.
func TestManyLibrariesTogether(t *testing.T) { testManyLibraries(t, true) }

func testManyLibraries(t *testing.T, together bool) {
	l := newLib(t)
	l.mustBuild()
	args := []string{cHost(t)}
	for range 3 {
		mod := filepath.Join(t.TempDir(), "mods", "libtest.so")
		copyFile(t, l.out, mod)
		args = append(args, "-also", mod)
	}
	const followed = "hotpatch: this library's SIGURG handlers joined the signal dispatcher of a library loaded before it"
	var env []string
	if together {
		args = append(args, "-together", "1")
		env = append(env, "TESTLIB_EARLY_GC=1")
	}
	h := startHost(t, env, append(args, l.out)...)
	h.awaitCount(followed, 3)
	h.awaitCount("hotpatch: the signal dispatcher took this runtime's SIGURG handler as the runtime installed it", 4)
	for v := 1; v <= 3; v++ {
		l.setVersion(v, v+1)
		l.mustBuild()
		want := strconv.Itoa(7000 + v + 1)
		h.await("compute 7", want)
		h.await("compute-all 7", strings.Repeat(want+" ", 2)+want)
	}
	if us, err := strconv.Atoi(h.do("spingc")); err != nil || us < 0 {
		t.Fatalf("spingc in the first library: %v", err)
	}
	if us, err := strconv.Atoi(h.do("spingc-all")); err != nil || us < 0 {
		t.Fatalf("spingc in the other libraries: %v", err)
	}
	if strings.Contains(h.stderr.String(), "the host replaced the signal dispatcher") {
		t.Errorf("a library took another library's dispatcher for the host's:\n%s", h.stderr)
	}
}
