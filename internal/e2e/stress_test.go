//go:build linux

package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestStress rebuilds the library 50 times while 8 threads of the C host call
// patched functions. Every result names the version that produced it, and
// each thread checks that versions never go backwards and that every result
// is the one its version computes.
func TestStress(t *testing.T) { testStress(t, linux, 50) }

// TestWindowsStress is TestStress under Wine, with fewer rebuilds: Windows
// fits about 62 copies (see TestWindowsReloadLimit), and every cross build
// and reload is slower there.
func TestWindowsStress(t *testing.T) { testStress(t, windows(t), 25) }

func testStress(t *testing.T, p *platform, reloads int) {
	if testing.Short() {
		t.Skipf("%d rebuilds take a minute or two", reloads)
	}
	l := newLibOn(t, p, "testdata/lib")
	l.mustBuild()
	h := l.startHost(nil, "host", l.out)
	h.expect("stress-start", "started")
	for v := 1; v <= reloads; v++ {
		l.setVersion(v, v+1)
		l.mustBuild()
		h.await("compute 3", strconv.Itoa(3000+v+1))
	}
	got := h.do("stress-stop")
	m := regexp.MustCompile(`calls=(\d+) bad=(\d+) regress=(\d+) maxversion=(\d+)`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("stress-stop: %q", got)
	}
	t.Logf("%s calls by 8 threads across %d reloads", m[1], reloads)
	if m[2] != "0" || m[3] != "0" || m[4] != strconv.Itoa(reloads+1) {
		t.Errorf("stress: %s; want bad=0 regress=0 maxversion=%d", got, reloads+1)
	}
	// The record of the last build may follow its first call.
	h.awaitCount(`msg="hotpatch: loaded new build"`, reloads)
	if n := strings.Count(h.stderr.String(), `msg="hotpatch: loaded new build"`); n != reloads {
		t.Errorf("%d builds loaded, want %d", n, reloads)
	}
	if strings.Contains(h.stderr.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", h.stderr)
	}
}
