package rt

/*
int hp_start_after_init(void);
*/
import "C"

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
	"github.com/hotpatch-go/hotpatch/internal/lifecycle"
	"github.com/hotpatch-go/hotpatch/internal/logging"
	"github.com/hotpatch-go/hotpatch/internal/watch"
)

// In the original copy, the signal dispatcher goes in as early as this
// package's initialisation: from the moment this runtime initialised, its own
// handler swallows the SIGURG meant for a Go host.
func init() {
	if !artifact.IsPatchCopy() {
		signalsErr = adoptSignals()
	}
}

var signalsErr error

// errCopyLimit means that the process cannot hold another copy of the
// library: every copy is a Go runtime, and none can be unloaded. The error
// that wraps it says which limit was reached.
var errCopyLimit = errors.New("the process has no room for another copy of the library")

var (
	build  string // this copy's build
	output string // where hotpatch build writes this library
)

// A Config is what hotpatch build tells the runtime about a build.
type Config struct {
	// Output is the absolute path of the build output.
	Output string
	// Build identifies the build.
	Build string
	// Rollback is set by hotpatch build -rollback: when a panic escapes a
	// body of this build, the function goes back to the body it had before,
	// and the call runs again there.
	Rollback bool
}

// Configure is called by the generated code of the main package, after every
// marked function has been registered. In the original copy, Configure starts
// the patcher; in a patch copy, it only records the build.
//
// The environment variable HOTPATCH_POLL, set to a duration such as 250ms,
// makes the patcher poll the build output instead of using file events.
func Configure(c Config) {
	config = c
	build, output = c.Build, outputPath(c.Output)
	if artifact.IsPatchCopy() {
		return
	}
	// hotpatch.Apply may come before the patcher has started: it waits.
	lifecycle.SetApplier(func() (bool, error) {
		<-patcherStarted
		if thePatcher == nil {
			return false, errors.New("hotpatch: the patcher did not start, so no build applies")
		}
		return thePatcher.applyRequested()
	})
	// Init functions of the main package may still run after this one, and
	// one of them may set the logger: the patcher starts once all are done.
	if rc := C.hp_start_after_init(); rc != 0 {
		logging.Logger().Error("hotpatch: cannot start the patcher; the library will not be patched", "errno", int(rc))
		close(patcherStarted)
	}
}

var (
	thePatcher     *patcher
	patcherStarted = make(chan struct{})
)

var config Config

// outputPath returns the build output to watch. A library built on another
// system carries a path that may mean nothing here (nativePath translates the
// ones it can, such as a Linux path under Wine): the patcher then watches the
// file the library was loaded from, which is the build output when the host
// loads it in place.
func outputPath(out string) string {
	if out = nativePath(out); filepath.IsAbs(out) {
		return out
	}
	if self := artifact.SelfPath(); self != "" {
		return self
	}
	return out
}

// startPatcher runs once the original copy has initialised.
func startPatcher() {
	p := &patcher{out: output, current: build, log: logging.Logger(), tried: map[string]bool{}, waited: map[string]int{}, toldGo: map[string]bool{}, postponed: map[string]bool{}}
	p.self = newLoaded(describe(), "", ownCall(), control)
	p.self.original = true
	p.loaded = []*loaded{p.self}
	p.owner = p.self
	if signalsErr != nil {
		p.log.Warn("hotpatch: without the signal dispatcher, the host and older copies may lose preemption, and faults in older copies may crash the process", "err", signalsErr)
	} else if signalsFollower() {
		p.log.Debug("hotpatch: this library's SIGURG handlers joined the signal dispatcher of a library loaded before it")
	}
	if signalsEarly() {
		p.log.Debug("hotpatch: the signal dispatcher took this runtime's SIGURG handler as the runtime installed it")
	}
	p.budget = copyBudget()
	thePatcher = p
	close(patcherStarted)
	p.announce()
	go p.run()
}

type patcher struct {
	out       string
	log       *slog.Logger
	mu        sync.Mutex
	current   string          // the newest build loaded
	tried     map[string]bool // builds that could not be loaded or applied, reported once
	waited    map[string]int  // how often a build did not match its stamp
	toldGo    map[string]bool // Go versions of builds that the log has named
	postponed map[string]bool // builds whose postponement the log has named
	copies    int             // copies loaded so far
	budget    int             // about how many copies the process can hold; 0 if unknown
	seq       int             // copies attempted so far, for unique file names

	self    *loaded   // the original copy
	loaded  []*loaded // every copy, the original first
	owner   *loaded   // the copy that runs the marked functions, with their kept state
	pending *loaded   // a loaded build that has not applied yet
}

func (p *patcher) run() {
	p.log.Debug("hotpatch: watching for new builds", "output", p.out, "build", p.current, "funcs", len(funcs))
	if n, err := artifact.RemoveStaleCopies(p.out); err != nil {
		p.log.Debug("hotpatch: cannot remove the copies of ended processes", "err", err)
	} else if n > 0 {
		p.log.Debug("hotpatch: removed the copies of ended processes", "files", n)
	}
	changed := make(chan struct{}, 1)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	interval, forcePoll := pollInterval()
	if forcePoll {
		p.log.Debug("hotpatch: polling the build output, as HOTPATCH_POLL asks", "output", p.out, "every", interval)
	}
	go watch.Watch(p.out, forcePoll, interval, notify, func(err error) {
		p.log.Warn("hotpatch: file events unavailable, polling the build output instead", "output", p.out, "err", err)
	})
	for range changed {
		p.reload()
	}
}

func pollInterval() (time.Duration, bool) {
	if v := os.Getenv("HOTPATCH_POLL"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d, true
		}
	}
	return 250 * time.Millisecond, false
}

// A build output that still does not match its stamp after mismatchRetries
// looks, mismatchDelay apart, is reported as corrupt.
const (
	mismatchRetries = 20
	mismatchDelay   = 100 * time.Millisecond
)

// reload loads the build that the stamp names, if it is new, and patches
// every matching function. Whatever fails, the process keeps running the code
// it had, and the failure is logged once per build.
func (p *patcher) reload() {
	p.mu.Lock()
	defer p.mu.Unlock()
	stamp, err := artifact.ReadStamp(p.out)
	if err != nil {
		if !errors.Is(err, artifact.ErrNoStamp) {
			p.log.Error("hotpatch: cannot read the new build's stamp", "output", p.out, "err", err)
		}
		return
	}
	if stamp.Build == p.current || p.tried[stamp.Build] {
		return
	}
	n, err := p.load(stamp)
	if errors.Is(err, artifact.ErrMismatch) && p.waited[stamp.Build] < mismatchRetries {
		// The output may be being replaced right now; look again shortly.
		p.waited[stamp.Build]++
		p.log.Debug("hotpatch: build output does not match its stamp yet", "err", err)
		time.AfterFunc(mismatchDelay, p.reload)
		return
	}
	if err != nil {
		p.tried[stamp.Build] = true
		p.tell(stamp, artifact.Refused, err.Error(), 0, nil)
		if errors.Is(err, errCopyLimit) {
			p.log.Error("hotpatch: cannot load another copy of the library. Restart the process to pick up the new build; the process keeps running its current code.",
				"build", stamp.Build, "copies", p.copies, "err", err)
			return
		}
		p.log.Error("hotpatch: cannot load the new build; the process keeps running its current code", "build", stamp.Build, "output", p.out, "err", err)
		return
	}
	p.current = stamp.Build
	n.stamp = stamp
	p.loaded = append(p.loaded, n)
	if p.pending != nil {
		p.retire(p.pending) // a newer build replaces it
	}
	if lifecycle.ApplyOnRequest() {
		p.pending = n
		p.log.Info("hotpatch: loaded new build; it applies when the library calls hotpatch.Apply", "build", n.build, "copy", n.path, "budget", p.budgetText())
		p.tell(stamp, artifact.Waiting, "it applies when the library calls hotpatch.Apply", 0, nil)
		return
	}
	p.tryApply(n)
}

// applyBound bounds how long an apply that moves kept state waits for the
// marked calls in flight to return. Past it, the apply is postponed.
const applyBound = time.Second

// tryApply applies n, or postpones it, or refuses it for good.
func (p *patcher) tryApply(n *loaded) {
	err := p.apply(n)
	var later *errPostponed
	switch {
	case err == nil:
		p.pending = nil
	case errors.As(err, &later):
		p.pending = n
		delay := applyBound << min(later.tries, 5)
		if !p.postponed[n.build] {
			p.postponed[n.build] = true
			p.tell(n.stamp, artifact.Postponed, later.Error(), 0, nil)
			p.log.Warn("hotpatch: the new build waits: kept state moves only between calls, and marked calls did not return within a second; it applies once they have",
				"build", n.build, "running", strings.Join(later.running, ","))
		}
		time.AfterFunc(delay, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.pending == n && !lifecycle.ApplyOnRequest() {
				n.tries++
				p.tryApply(n)
			}
		})
	default:
		p.pending = nil
		p.tried[n.build] = true
		p.retire(n)
		p.log.Error("hotpatch: the new build is not applied; the process keeps its code and its state", "build", n.build, "err", err)
		p.tell(n.stamp, artifact.Refused, err.Error(), 0, nil)
	}
}

// applyRequested is hotpatch.Apply: it applies the build that waits.
func (p *patcher) applyRequested() (bool, error) {
	if nestedAnywhere() {
		return false, errors.New("hotpatch.Apply called inside a marked function: a build applies only between marked calls; call it before the first marked call of a frame")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.pending
	if n == nil {
		return false, nil
	}
	err := p.apply(n)
	var later *errPostponed
	switch {
	case errors.As(err, &later):
		return false, err
	case err != nil:
		p.pending = nil
		p.tried[n.build] = true
		p.retire(n)
		p.log.Error("hotpatch: the new build is not applied; the process keeps its code and its state", "build", n.build, "err", err)
		p.tell(n.stamp, artifact.Refused, err.Error(), 0, nil)
		return false, err
	}
	p.pending = nil
	return true, nil
}
