package build

import (
	"context"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// A ProcessResult is what one running process did with a build: its report,
// or nil if it did not report within the wait.
type ProcessResult struct {
	Process artifact.Process `json:"process"`
	Report  *artifact.Report `json:"report,omitempty"`
	// Started reports that the process started after the build was
	// published, with the build as its original copy.
	Started bool `json:"started,omitempty"`
}

// AwaitReports waits up to wait for every process that has the library at
// out loaded to report what it did with build, and returns their results.
// A process that applies only on request, or postpones, reports so at once.
func AwaitReports(ctx context.Context, out, build string, wait time.Duration) ([]ProcessResult, error) {
	procs, err := artifact.Processes(out)
	if err != nil {
		return nil, err
	}
	results := make([]ProcessResult, len(procs))
	deadline := time.Now().Add(wait)
	for {
		done := true
		for i, p := range procs {
			r := &results[i]
			r.Process = p
			switch {
			case r.Report != nil || r.Started:
			case p.Build == build:
				r.Started = true
			default:
				if rep, err := artifact.ReadReport(out, p.PID); err == nil && rep.Build == build {
					r.Report = &rep
				} else {
					done = false
				}
			}
		}
		if done || time.Now().After(deadline) {
			return results, nil
		}
		select {
		case <-ctx.Done():
			return results, nil
		case <-time.After(10 * time.Millisecond):
		}
	}
}
