//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// curveEnv, when set, makes this command the process that the memory curve
// measures (figure 14), rather than the harness: a fresh process, so that
// its 200 reloads fit under the static TLS limit that the harness's own
// figures have already spent part of. It names a JSON file of curveJob.
const curveEnv = "HOTPATCH_BENCH_CURVE"

// A curveJob is what the measured process does: load Lib, then publish each
// build of Builds at Lib in turn, while 8 threads call.
type curveJob struct {
	Lib    string
	Builds []curveBuild
	Every  int // sample the process every Every reloads
}

type curveBuild struct {
	Lib, Stamp string
	Version    int
}

// A curvePoint is the process after Reloads reloads.
type curvePoint struct {
	Reloads        int
	RSSKB, Threads float64
}

// A curveRun is what the measured process prints: its curve, and how long
// each reload took, in ms, from the publish until the new version answered.
type curveRun struct {
	Points  []curvePoint
	Reloads []float64
}

// memoryCurve (figure 14): the memory and threads of a process over 200
// reloads of the benchmark library while 8 threads call it, with retired
// copies as they are, against the same builds with retired copies kept as
// they were (HOTPATCH_RETIRED=keep). Each run is a fresh process.
func (r *results) memoryCurve(m *module, reloads int) error {
	lib := filepath.Join(m.dir, "curve", filepath.Base(m.out))
	if err := m.setVersion(m.version + 1); err != nil {
		return err
	}
	// The process loads the build made for lib: a build watches the
	// output it was built for. A copy of it starts each run.
	if _, err := m.build(lib); err != nil {
		return err
	}
	first := curveBuild{Lib: filepath.Join(m.dir, "curve-stage", "first", filepath.Base(m.out))}
	first.Stamp = artifact.StampPath(first.Lib)
	if err := os.MkdirAll(filepath.Dir(first.Lib), 0o755); err != nil {
		return err
	}
	if err := copyFile(lib, first.Lib); err != nil {
		return err
	}
	if err := copyFile(artifact.StampPath(lib), first.Stamp); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: staging %d builds for the memory curve\n", reloads)
	var builds []curveBuild
	for range reloads {
		if err := m.setVersion(m.version + 1); err != nil {
			return err
		}
		res, err := m.build(filepath.Join(m.dir, "curve-stage", strconv.Itoa(m.version), filepath.Base(m.out)))
		if err != nil {
			return err
		}
		builds = append(builds, curveBuild{Lib: res.Output, Stamp: artifact.StampPath(res.Output), Version: m.version})
	}
	var curves [2][]curvePoint
	var latency []float64 // the reloads of the run with retired copies as they are
	for i, mode := range []string{"keep", ""} {
		// Each run starts from the same first build, and publishes
		// copies of the staged builds, which the next run publishes again.
		if err := copyFile(first.Lib, lib); err != nil {
			return err
		}
		if err := copyFile(first.Stamp, artifact.StampPath(lib)); err != nil {
			return err
		}
		job := curveJob{Lib: lib, Builds: builds, Every: max(1, reloads/8)}
		data, _ := json.Marshal(job)
		jobFile := filepath.Join(m.dir, "curve-job.json")
		if err := os.WriteFile(jobFile, data, 0o644); err != nil {
			return err
		}
		self, err := os.Executable()
		if err != nil {
			return err
		}
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), curveEnv+"="+jobFile, "HOTPATCH_RETIRED="+mode)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("the memory curve's process: %w", err)
		}
		var run curveRun
		if err := json.Unmarshal(out, &run); err != nil {
			return fmt.Errorf("the memory curve's process: %w", err)
		}
		curves[i], latency = run.Points, run.Reloads
	}
	slope := func(c []curvePoint) (rss, threads float64) {
		first, last := c[0], c[len(c)-1]
		n := float64(last.Reloads - first.Reloads)
		return (last.RSSKB - first.RSSKB) / 1024 / n, (last.Threads - first.Threads) / n
	}
	rss, th := slope(curves[1])
	keepRSS, keepTh := slope(curves[0])
	r.add(figure{
		name:     fmt.Sprintf("14. Memory over %d reloads, 8 threads calling", reloads),
		measured: fmt.Sprintf("%+.1f MB RSS, %+.1f threads a reload", rss, th),
		baseline: fmt.Sprintf("%+.1f MB RSS, %+.1f threads a reload, retired copies kept as they were (HOTPATCH_RETIRED=keep)", keepRSS, keepTh),
		ratio:    rss / keepRSS,
		note:     "the curve, as reloads: RSS, threads: " + curveText(curves[1]) + "; kept as they were: " + curveText(curves[0]),
	})
	// Every load costs each thread of the process a call of every copy's
	// SIGURG handler, if the load sends each a SIGURG (rt/signals_unix.c,
	// hp_resend_urg): a cost that grows with the square of the copies. With
	// that resend at every load, this ratio was 1.76 (157.0 ms against
	// 89.0 ms, one run).
	if n := len(latency) / 8; n > 0 {
		early, late := median(latency[:n]), median(latency[len(latency)-n:])
		r.add(figure{
			name:     fmt.Sprintf("14. Reload latency over %d reloads, 8 threads calling, the last %d", reloads, n),
			measured: fmt.Sprintf("%.1f ms", late),
			baseline: fmt.Sprintf("%.1f ms, the first %d, the same process", early, n),
			ratio:    late / early,
			target:   1.5,
			note:     "medians, from the publish until the new version answers; a copy is never unloaded, so the last reloads run with about 200 Go runtimes in the process",
		})
	}
	return nil
}

func curveText(c []curvePoint) string {
	var s []string
	for _, p := range c {
		s = append(s, fmt.Sprintf("%d: %.0f MB, %.0f", p.Reloads, p.RSSKB/1024, p.Threads))
	}
	return strings.Join(s, "; ")
}

// runCurve is the measured process of the memory curve: it prints its
// curve as JSON.
func runCurve(jobFile string) error {
	data, err := os.ReadFile(jobFile)
	if err != nil {
		return err
	}
	var job curveJob
	if err := json.Unmarshal(data, &job); err != nil {
		return err
	}
	lib, err := open(job.Lib)
	if err != nil {
		return err
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			for !stop.Load() {
				lib.run("BenchObserve", 1000)
			}
		}()
	}
	sample := func(n int) curvePoint {
		rss, threads := procStatus()
		return curvePoint{Reloads: n, RSSKB: rss, Threads: threads}
	}
	time.Sleep(time.Second)
	curve := []curvePoint{sample(0)}
	var reloads []float64
	for i, b := range job.Builds {
		// A copy, so that the second run can publish the same builds.
		tmp := job.Lib + ".next"
		if err := copyFile(b.Lib, tmp); err != nil {
			return err
		}
		published := time.Now()
		if err := os.Rename(tmp, job.Lib); err != nil {
			return err
		}
		if err := copyFile(b.Stamp, tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, artifact.StampPath(job.Lib)); err != nil {
			return err
		}
		if err := awaitVersion(lib, b.Version); err != nil {
			return err
		}
		reloads = append(reloads, float64(time.Since(published))/float64(time.Millisecond))
		time.Sleep(20 * time.Millisecond)
		if (i+1)%job.Every == 0 || i == len(job.Builds)-1 {
			// A retired copy gives back what it can a second after it
			// is retired.
			time.Sleep(1500 * time.Millisecond)
			curve = append(curve, sample(i+1))
		}
	}
	stop.Store(true)
	wg.Wait()
	return json.NewEncoder(os.Stdout).Encode(curveRun{Points: curve, Reloads: reloads})
}
