package rt

import (
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
	"github.com/hotpatch-go/hotpatch/internal/logging"
)

// A retired copy, one whose functions now run in a newer copy, cannot be
// unloaded: no Go runtime can (golang/go#11100). What it can give back, it
// does, a second after it is retired, when the calls that were running there
// have returned: the values of its kept variables, once they have moved into
// the newer copy, which no body of the retired copy reads again (a rollback
// never returns to a body whose state moved away: apply.go); its heap, which
// goes back to the operating system; and all processors but one, so that its
// garbage collector starts no more threads.
//
// Its threads stay: a Go runtime never ends its threads. Its code stays too.
// Dropping the pages of its code and read-only data (madvise MADV_DONTNEED)
// was tried and measured: its sysmon and garbage collector touch them again
// within seconds, and reading /proc/self/smaps to find them cost the copy more
// heap than the pages it freed (BENCHMARKS.md, figures 13 and 14).
//
// HOTPATCH_RETIRED=keep keeps a retired copy as it was, to measure the
// difference (go run ./internal/bench).

// release gives back what the retired copy does not need; moved says that
// its kept state has moved away. The original copy, which the host loaded,
// keeps running its unmarked code: it drops its kept values, and leaves the
// rest to its own garbage collector.
func release(moved bool) {
	if os.Getenv("HOTPATCH_RETIRED") == "keep" {
		return
	}
	time.Sleep(time.Second)
	if moved {
		dropKept()
	}
	if !artifact.IsPatchCopy() {
		return
	}
	runtime.GOMAXPROCS(1)
	debug.FreeOSMemory()
	logging.Logger().Debug("hotpatch: retired copy gave its heap back", "build", build)
}
