package rt

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// This process tells hotpatch build and hotpatch watch that it has the
// library loaded, and what it did with each build (internal/artifact's
// report.go).

// announce writes this process's process file, and keeps it fresh.
func (p *patcher) announce() {
	pid := os.Getpid()
	name, _ := os.Executable()
	proc := artifact.Process{PID: pid, Name: filepath.Base(name), OS: runtime.GOOS, Started: time.Now(), Build: build, Go: runtime.Version()}
	if err := artifact.WriteProcess(p.out, proc); err != nil {
		p.log.Debug("hotpatch: cannot tell builds that this process runs the library", "err", err)
		return
	}
	go func() {
		for range time.Tick(artifact.Heartbeat) {
			artifact.Beat(p.out, pid)
		}
	}()
}

// tell writes the report of what this process did with the build that
// stamp describes.
func (p *patcher) tell(stamp artifact.Stamp, result, reason string, patched int, kept []artifact.KeptFunc) {
	r := artifact.Report{PID: os.Getpid(), Build: stamp.Build, Result: result, Reason: reason, Patched: patched, Kept: kept,
		Copies: p.copies, Budget: p.budget, RSS: residentMemory()}
	if !stamp.Published.IsZero() {
		r.Took = time.Since(stamp.Published)
	}
	if err := artifact.WriteReport(p.out, r); err != nil {
		p.log.Debug("hotpatch: cannot write the report of the build", "build", stamp.Build, "err", err)
	}
}

// budgetText says which copy of about how many the process now holds.
func (p *patcher) budgetText() string {
	if p.budget == 0 {
		return fmt.Sprintf("copy %d", p.copies)
	}
	return fmt.Sprintf("copy %d of about %d", p.copies, p.budget)
}
