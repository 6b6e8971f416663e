//go:build linux

package e2e

import (
	"path/filepath"
	"strconv"
	"testing"
)

// TestTwoLibraries loads the same library twice, from two paths, as a game
// may load one mod from two folders. Each copy runs a patcher of its own in
// the process, and both follow every rebuild. It guards the bug where both
// patchers took the same copy names and the second truncated a copy the first
// had loaded: the process died of SIGBUS.
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
}
