package rt

import (
	"os"
	"runtime"
	"testing"
)

func TestWantProcs(t *testing.T) {
	t.Setenv("GOMAXPROCS", "3")
	if got := wantProcs(); got != 0 {
		t.Errorf("with GOMAXPROCS set, wantProcs() = %d, want 0: the user's choice stands", got)
	}
	os.Unsetenv("GOMAXPROCS")
	// No entry point has run in this test binary.
	if got, threads := wantProcs(), hostThreads(); got != threads {
		t.Errorf("wantProcs() = %d, want %d, one for each host thread", got, threads)
	}
}

func TestRaiseProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(before)
	if got := raiseProcs(before + 2); got != before+2 {
		t.Errorf("raiseProcs(%d) = %d", before+2, got)
	}
	if got := raiseProcs(1); got != before+2 {
		t.Errorf("raiseProcs(1) = %d, want %d: it never lowers", got, before+2)
	}
}
