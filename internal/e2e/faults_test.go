//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// Each copy's runtime forwards a fault it does not own to the handler
// installed before it, and every level of that chain used to nest on one
// signal stack: after about 104 reloads, a nil dereference that the host's
// own copy would have recovered killed the process ("fatal: morestack on
// gsignal"). The signal dispatcher now gives each fault to the copy whose
// code faulted. These tests reload more than that many times, then recover
// nil dereferences in the host's copy, in an old copy, in the newest copy and
// on a thread that the host created, and write to a broken pipe from Go code
// in old copies.

// faultReloads is past the depth at which nested fault handlers ran out of
// signal stack.
const faultReloads = 112

func TestFaults(t *testing.T) {
	l := newLib(t)
	l.mustBuild()
	testFaults(t, l, l.startHost(nil, "host", l.out), faultReloads)
}

func TestPythonFaults(t *testing.T) {
	python := needTool(t, "python3")
	l := newLib(t)
	l.mustBuild()
	testFaults(t, l, startHost(t, nil, python, "testdata/hosts/host.py", l.out), faultReloads)
}

func TestGoHostFaults(t *testing.T) {
	l := newLib(t)
	l.mustBuild()
	testFaults(t, l, startHost(t, nil, goHost(t, linux), l.out), faultReloads)
}

// TestWindowsFaults checks, under Wine, that Windows delivers faults to
// every copy's vectored exception handler without nesting them: Windows fits
// about 62 copies, so fewer reloads.
func TestWindowsFaults(t *testing.T) {
	p := windows(t)
	l := newLibOn(t, p, "testdata/lib")
	l.mustBuild()
	testFaults(t, l, l.startHost(nil, "host", l.out), 30)
}

// testFaults publishes two builds in turn, reloads times, and checks that
// every fault is recovered where it happened.
func testFaults(t *testing.T, l *lib, h *host, reloads int) {
	if testing.Short() {
		t.Skipf("%d reloads", reloads)
	}
	h.expect("compute 1", "1001")
	builds := []savedBuild{l.save()}
	l.setVersion(1, 2)
	l.mustBuild()
	builds = append(builds, l.save())
	h.await("compute 1", "1002")
	for i := 1; i < reloads; i++ {
		// Version 1, 2, 1, 2, ...: each publish is a build that the
		// process does not run now, and so a new copy.
		v := (i+1)%2 + 1
		l.publish(builds[v-1])
		h.await("compute 1", strconv.Itoa(1000+v))
	}
	copies := regexp.MustCompile(`msg="hotpatch: loaded copy" .*path=(\S+)`).FindAllStringSubmatch(h.stderr.String(), -1)
	if len(copies) != reloads {
		t.Fatalf("%d copies loaded, want %d", len(copies), reloads)
	}
	oldest, newest := copies[0][1], copies[len(copies)-1][1]
	for _, c := range []struct{ what, command string }{
		{"the host's copy", "nilderef"},
		{"the host's copy, on a thread the host created", "nilderef-thread"},
		{"the newest copy", "nilderef-marked"},
		{"the oldest patch copy", "nilderef-copy " + oldest},
		{"the newest patch copy", "nilderef-copy " + newest},
		{"a broken pipe in the host's copy", "brokenpipe"},
		{"a broken pipe in the oldest patch copy", "brokenpipe-copy " + oldest},
	} {
		if got := h.do(c.command); got != "1" {
			t.Errorf("%s (%s): %q, want 1", c.what, c.command, got)
		}
	}
	// The process lives on, and keeps patching.
	v := reloads%2 + 1
	h.expect("compute 1", strconv.Itoa(1000+v))
	l.publish(builds[2-v])
	h.await("compute 1", strconv.Itoa(1000+3-v))
}

// A savedBuild is a build output and its stamp, kept to be published again.
type savedBuild struct {
	lib   []byte
	stamp artifact.Stamp
}

// save keeps the current build output.
func (l *lib) save() savedBuild {
	l.t.Helper()
	data, err := os.ReadFile(l.out)
	if err != nil {
		l.t.Fatal(err)
	}
	stamp, err := artifact.ReadStamp(l.out)
	if err != nil {
		l.t.Fatal(err)
	}
	return savedBuild{data, stamp}
}

// publish publishes b again, as hotpatch build publishes a build: every
// process that has the library loads it as a new copy.
func (l *lib) publish(b savedBuild) {
	l.t.Helper()
	tmp := filepath.Join(filepath.Dir(l.out), ".republish"+filepath.Ext(l.out))
	if err := os.WriteFile(tmp, b.lib, 0o755); err != nil {
		l.t.Fatal(err)
	}
	if err := artifact.ReplaceLibrary(tmp, l.out); err != nil {
		l.t.Fatal(err)
	}
	if err := artifact.WriteStamp(l.out, b.stamp); err != nil {
		l.t.Fatal(err)
	}
}
