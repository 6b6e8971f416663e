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
// have returned: its heap goes back to the operating system, the pages of its
// code and read-only data leave the process's memory (on Linux;
// release_linux.go), and it runs on one processor, so that its garbage
// collector starts no more threads. Its threads stay; a Go runtime never ends
// its threads. If it runs again, after a rollback, the kernel reads its code
// back from its file.
//
// HOTPATCH_RETIRED=keep keeps a retired copy as it was, to measure the
// difference (go run ./internal/bench).

// release gives back what the retired copy does not need. The original copy,
// which the host loaded, keeps running its unmarked code, and keeps all it
// has.
func release() {
	if !artifact.IsPatchCopy() || os.Getenv("HOTPATCH_RETIRED") == "keep" {
		return
	}
	time.Sleep(time.Second)
	runtime.GOMAXPROCS(1)
	debug.FreeOSMemory()
	n, err := releaseMappings(artifact.SelfPath())
	logging.Logger().Debug("hotpatch: retired copy released its memory", "build", build, "released_bytes", n, "err", err)
}
