package rt

/*
#include <stdlib.h>
void* hp_root_log_fn(void);
char* hp_attach(void* fn, void* root_log, int level);
int hp_start_after_init(void);
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/loader"
	"github.com/hotpatch-go/hotpatch/internal/logging"
)

// In the copy the host loaded, the SIGURG dispatcher goes in as early as this
// package's initialisation: from the moment this runtime initialised, its own
// handler swallows the SIGURG meant for a Go host.
func init() {
	if !loader.IsPatchCopy() {
		sigurgErr = adoptSIGURG()
	}
}

var sigurgErr error

// errCopyLimit means that the process cannot hold another copy of the
// library: every copy is a Go runtime, and none can be unloaded. The error
// that wraps it says which limit was reached.
var errCopyLimit = errors.New("the process has no room for another copy of the library")

var (
	build  string // this copy's build
	output string // where hotpatch build writes this library
)

// Configure is called by the generated code of the main package, after every
// marked function has been registered. out is the absolute path of the build
// output and id identifies this build. In the copy the host loaded, Configure
// starts the patcher; in a copy the patcher loaded, it only records the build.
//
// The environment variable HOTPATCH_POLL, set to a duration such as 250ms,
// makes the patcher poll the build output instead of using file events.
func Configure(out, id string) {
	build, output = id, outputPath(out)
	if loader.IsPatchCopy() {
		return
	}
	// Init functions of the main package may still run after this one, and
	// one of them may set the logger: the patcher starts once all are done.
	if rc := C.hp_start_after_init(); rc != 0 {
		logging.Logger().Error("hotpatch: cannot start the patcher; the library will not be patched", "errno", int(rc))
	}
}

// outputPath returns the build output to watch. A library built on another
// system carries a path that may mean nothing here (nativePath translates the
// ones it can, such as a Linux path under Wine): the patcher then watches the
// file the library was loaded from, which is the build output when the host
// loads it in place.
func outputPath(out string) string {
	if out = nativePath(out); filepath.IsAbs(out) {
		return out
	}
	if self := loader.SelfPath(); self != "" {
		return self
	}
	return out
}

// startPatcher runs once the copy the host loaded has initialised.
func startPatcher() {
	p := &patcher{out: output, current: build, log: logging.Logger(), tried: map[string]bool{}, waited: map[string]int{}}
	if sigurgErr != nil {
		p.log.Warn("hotpatch: the host and older copies may lose preemption", "err", sigurgErr)
	}
	go p.run()
}

type patcher struct {
	out     string
	log     *slog.Logger
	mu      sync.Mutex
	current string          // the newest build patched in
	tried   map[string]bool // builds that could not be loaded, reported once
	waited  map[string]int  // how often a build did not match its stamp
	copies  int             // copies loaded so far
	seq     int             // copies attempted so far, for unique file names
}

func (p *patcher) run() {
	p.log.Debug("hotpatch: watching for new builds", "output", p.out, "build", p.current, "funcs", len(funcs))
	if n, err := loader.RemoveStaleCopies(p.out); err != nil {
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
	go loader.Watch(p.out, forcePoll, interval, notify, func(err error) {
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
	stamp, err := loader.ReadStamp(p.out)
	if err != nil {
		if !errors.Is(err, loader.ErrNoStamp) {
			p.log.Error("hotpatch: cannot read the new build's stamp", "output", p.out, "err", err)
		}
		return
	}
	if stamp.Build == p.current || p.tried[stamp.Build] {
		return
	}
	lib, desc, err := p.load(stamp)
	if errors.Is(err, loader.ErrMismatch) && p.waited[stamp.Build] < mismatchRetries {
		// The output may be being replaced right now; look again shortly.
		p.waited[stamp.Build]++
		p.log.Debug("hotpatch: build output does not match its stamp yet", "err", err)
		time.AfterFunc(mismatchDelay, p.reload)
		return
	}
	if err != nil {
		p.tried[stamp.Build] = true
		if errors.Is(err, errCopyLimit) {
			p.log.Error("hotpatch: cannot load another copy of the library. Restart the process to pick up the new build; the process keeps running its current code.",
				"build", stamp.Build, "copies", p.copies, "err", err)
			return
		}
		p.log.Error("hotpatch: cannot load the new build; the process keeps running its current code", "build", stamp.Build, "output", p.out, "err", err)
		return
	}
	p.current = stamp.Build
	p.patch(lib, desc)
}

// load copies the build output, loads the copy and attaches it.
func (p *patcher) load(stamp loader.Stamp) (*library, *description, error) {
	if err := roomForCopy(); err != nil {
		return nil, nil, err
	}
	// Another copy of the library that the host loaded itself, from another
	// path, runs a patcher of its own in this process: skip the names it
	// took.
	var path string
	for {
		p.seq++
		path = loader.CopyPath(p.out, os.Getpid(), p.seq)
		err := loader.CopyVerified(p.out, path, stamp, "hotpatch_v1_attach", "hotpatch_v1_call")
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, nil, err
		}
	}
	start := time.Now()
	lib, err := dlopen(path)
	if err != nil {
		os.Remove(path)
		return nil, nil, err
	}
	if err := holdSIGURG(); err != nil {
		p.log.Warn("hotpatch: older copies may lose preemption", "err", err)
	}
	p.copies++
	attachFn, err := lib.symbol("hotpatch_v1_attach")
	if err != nil {
		return nil, nil, err
	}
	callFn, err := lib.symbol("hotpatch_v1_call")
	if err != nil {
		return nil, nil, err
	}
	// The first call into the copy waits for its runtime and packages to
	// initialise.
	raw := C.hp_attach(attachFn, C.hp_root_log_fn(), C.int(logging.Level()))
	data := C.GoString(raw)
	C.free(unsafe.Pointer(raw))
	// Only now is the copy's SIGURG handler safe to call from the dispatcher.
	if err := releaseSIGURG(); err != nil {
		p.log.Warn("hotpatch: older copies may lose preemption", "err", err)
	}
	var desc description
	if err := json.Unmarshal([]byte(data), &desc); err != nil {
		return nil, nil, fmt.Errorf("%s: unreadable description %q: %w", path, data, err)
	}
	if desc.Protocol != protocol {
		return nil, nil, fmt.Errorf("%s speaks hotpatch protocol %d, this copy speaks %d: rebuild with the same hotpatch version, or restart", path, desc.Protocol, protocol)
	}
	if desc.Build != stamp.Build {
		return nil, nil, fmt.Errorf("%s is build %s, but its stamp names build %s", path, desc.Build, stamp.Build)
	}
	p.log.Debug("hotpatch: loaded copy", "build", desc.Build, "path", path, "took", time.Since(start))
	desc.call = callFn
	return lib, &desc, nil
}

// patch points every marked function whose identity and layout match at the
// new copy. The others keep the body they had.
func (p *patcher) patch(lib *library, d *description) {
	index := make(map[string]int, len(d.Funcs))
	for i, f := range d.Funcs {
		index[f.ID] = i
	}
	patched, kept := 0, 0
	for _, f := range funcs {
		i, ok := index[f.ID]
		switch {
		case !ok:
			kept++
			p.log.Warn("hotpatch: function is not in the new build; it keeps its current body", "func", f.ID, "build", d.Build)
		case d.Funcs[i].Layout != f.Layout:
			kept++
			p.log.Warn("hotpatch: function changed its signature or the memory layout of a parameter or result; it keeps its current body until the process restarts",
				"func", f.ID, "build", d.Build)
		default:
			patched++
			f.slot.target.Store(&Target{call: d.call, index: int32(i), id: f.ID, build: d.Build})
			p.log.Debug("hotpatch: patched", "func", f.ID, "build", d.Build)
		}
		delete(index, f.ID)
	}
	for id := range index {
		p.log.Debug("hotpatch: new function is called only from the new build's own code", "func", id, "build", d.Build)
	}
	p.log.Info("hotpatch: loaded new build", "build", d.Build, "patched", patched, "kept", kept, "copies", p.copies, "copy", lib.Path)
}
