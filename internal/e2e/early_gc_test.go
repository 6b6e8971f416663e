//go:build linux

package e2e

import (
	"strconv"
	"testing"
)

// TestEarlyCollection runs a collection during the package initialisation of
// every copy (TESTLIB_EARLY_GC), where a goroutine spins without calls: the
// collection ends only if the copy's runtime receives its own SIGURG from
// its start on. Each copy's SIGURG handler used to join the dispatcher's
// table only once a first call into the copy had returned, and that first
// call waits for the initialisation, so the reload never ended.
func TestEarlyCollection(t *testing.T) {
	l := newLib(t)
	l.mustBuild()
	h := startHost(t, []string{"TESTLIB_EARLY_GC=1"}, cHost(t), l.out)
	h.expect("compute 7", "7001")
	for v := 1; v <= 2; v++ {
		l.setVersion(v, v+1)
		l.mustBuild()
		h.await("compute 7", strconv.Itoa(7000+v+1))
	}
	if us, err := strconv.Atoi(h.do("spingc")); err != nil || us < 0 {
		t.Fatalf("spingc: %v", err)
	}
}
