package rt

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// Applying a build: pointing the slots of every copy at the new copy,
// function by function, and, if the new build keeps state, moving that state
// from the copy that owns it into the new one first, while no marked call
// runs (gate.go). The original copy's patcher does it, under its lock.

// A loaded is a copy as the patcher knows it: the original copy, or a patch
// copy it loaded.
type loaded struct {
	build    string
	path     string // the file it was loaded from; "" for the original
	original bool
	desc     *description
	call     unsafe.Pointer // its hotpatch_v1_call
	control  func(controlRequest) controlResponse
	funcs    map[string]funcDesc // by ID
	index    map[string]int32    // the function's index in the copy, by ID
	// targets says where each function of this copy runs; a function it
	// leaves out runs in this copy.
	targets map[string]*loaded
	tries   int            // applies postponed
	stamp   artifact.Stamp // the build's stamp, for its report
	// stale says that a rollback pointed a slot of this copy at its own
	// body (call.go), which targets does not say: the next apply points
	// every slot of the copy again.
	stale atomic.Bool
}

func newLoaded(d *description, path string, call unsafe.Pointer, control func(controlRequest) controlResponse) *loaded {
	l := &loaded{build: d.Build, path: path, desc: d, call: call, control: control,
		funcs: map[string]funcDesc{}, index: map[string]int32{}, targets: map[string]*loaded{}}
	for i, f := range d.Funcs {
		l.funcs[f.ID] = f
		l.index[f.ID] = int32(i)
	}
	return l
}

// runner returns the copy that runs the function id of l now.
func (l *loaded) runner(id string) *loaded {
	if t := l.targets[id]; t != nil {
		return t
	}
	return l
}

// errPostponed means that marked calls did not return within applyBound,
// so that kept state could not move.
type errPostponed struct {
	running []string
	tries   int
}

func (e *errPostponed) Error() string {
	return "marked calls still running: " + strings.Join(e.running, ", ")
}

// keptWith returns the ID and schema of l's kept variables.
func (l *loaded) keptWith() map[string]string {
	m := map[string]string{}
	for _, k := range l.desc.Kept {
		m[k.ID] = k.Schema
	}
	return m
}

// plan returns where every function of every copy runs once n applies: in
// n, where n has the function with the same fingerprint as that copy has,
// and where it runs now otherwise. With kept state moving into n, a body that
// uses it must not stay elsewhere, where it would use a stale copy.
func (p *patcher) plan(n *loaded, moves bool) (map[*loaded]map[string]*loaded, error) {
	next := map[*loaded]map[string]*loaded{}
	for _, c := range p.loaded {
		t := map[string]*loaded{}
		for id, f := range c.funcs {
			if nf, ok := n.funcs[id]; ok && nf.Fingerprint == f.Fingerprint {
				t[id] = n
				continue
			}
			r := c.runner(id)
			if r == p.self && c != p.self {
				r = p.self.runner(id) // forwarded by the original copy
			}
			t[id] = r
			if moves && r != n && r.funcs[id].Stateful {
				why := "changed its signature or the memory layout of a parameter or result"
				if _, ok := n.funcs[id]; !ok {
					why = "is not in the new build"
				}
				return nil, fmt.Errorf("function %s %s, and its current body (build %s) uses kept state, which would move to build %s: that body would then use a stale copy of it. Restart the process to use build %s",
					id, why, r.build, n.build, n.build)
			}
		}
		next[c] = t
	}
	// A copy other than the original calls a function that runs elsewhere
	// through the original copy, where the original runs the same function
	// in the same place: the original forwards the call. Such a copy's
	// slots then stay as they are through later builds, and an apply need
	// not call into its runtime again (apply). A retired copy's calls cross
	// twice; its code runs only in goroutines that it started.
	for c, t := range next {
		if c == p.self {
			continue
		}
		for id, r := range t {
			own, ok := p.self.funcs[id]
			if ok && r != c && r != p.self && next[p.self][id] == r && own.Fingerprint == c.funcs[id].Fingerprint {
				t[id] = p.self
			}
		}
	}
	return next, nil
}

// pointed reports whether c's slots already point as t says.
func (c *loaded) pointed(t map[string]*loaded) bool {
	n := 0
	for id, r := range t {
		if r == c {
			continue
		}
		if c.targets[id] != r {
			return false
		}
		n++
	}
	return n == len(c.targets)
}

// apply applies n: it moves the kept state into n if n keeps any, points the
// slots of every copy, and retires the copy that owned the state. Until the
// state has moved, nothing changes: a refusal or a postponement leaves every
// copy as it was.
func (p *patcher) apply(n *loaded) error {
	moves := len(n.desc.Kept) > 0
	next, err := p.plan(n, moves)
	if err != nil {
		return err
	}
	old := p.owner
	if moves {
		// Before anything closes: does the old state decode into n's types?
		theirs := old.keptWith()
		for _, k := range n.desc.Kept {
			s, ok := theirs[k.ID]
			if !ok {
				continue // new: it starts from its initial value
			}
			if err := compatibleSchemas(s, k.Schema); err != nil {
				return fmt.Errorf("kept variable %s: %v. The build is not applied, and the process keeps its code and its state: restart it to use build %s", k.ID, err, n.build)
			}
		}
		if err := p.move(old, n); err != nil {
			return err
		}
	}
	// The original copy first: the host's calls enter it, so the new
	// bodies run from its pointing on. Then n, whose gate, if it keeps
	// state, holds the host's calls that now enter it through the entry
	// points; then the copy that owned the state, where the calls that came
	// while its gate was closed wait. The build has applied then, and says
	// so. The other copies follow, in the order they loaded, but only those
	// whose slots change: those that ran a function that n now runs. Each is
	// a call into its runtime, a few milliseconds with busy host threads,
	// and a process holds tens of copies after a day; the others call
	// through the original copy (plan).
	p.point(p.self, next[p.self], n, moves)
	pointed := 0
	if n != p.self {
		p.point(n, next[n], n, moves)
		pointed++
	}
	if old != p.self && old != n {
		p.point(old, next[old], n, moves)
		pointed++
	}
	if old != n {
		old.control(controlRequest{Op: opRetire, Moved: moves})
	}
	p.owner = n
	p.report(n)
	for _, c := range p.loaded {
		if c != p.self && c != old && c != n && (c.stale.Swap(false) || !c.pointed(next[c])) {
			p.point(c, next[c], n, moves)
			pointed++
		}
	}
	p.log.Debug("hotpatch: pointed the copies whose slots changed", "build", n.build, "pointed", pointed, "copies", len(p.loaded)-1)
	return nil
}

// move moves the kept state from the copy old into n, with old's gate
// closed and no marked call running there. On failure, old's gate opens with
// its slots as they were, and nothing has changed.
func (p *patcher) move(old, n *loaded) error {
	start := time.Now()
	old.control(controlRequest{Op: opClose})
	fail := func(err error) error {
		old.control(controlRequest{Op: opRestore})
		return err
	}
	if r := old.control(controlRequest{Op: opDrain, TimeoutMS: applyBound.Milliseconds()}); r.Err != "" {
		if len(r.Running) > 0 {
			return fail(&errPostponed{running: r.Running, tries: n.tries})
		}
		return fail(errors.New(r.Err))
	}
	saved := old.control(controlRequest{Op: opSave})
	if saved.Err != "" {
		return fail(fmt.Errorf("saving the kept state of build %s: %s", old.build, saved.Err))
	}
	defer freeC(saved.Data)
	if r := n.control(controlRequest{Op: opLoad, Data: saved.Data, Len: saved.Len}); r.Err != "" {
		return fail(fmt.Errorf("%s. The build is not applied, and the process keeps its code and its state: restart it to use build %s", r.Err, n.build))
	}
	p.log.Debug("hotpatch: kept state moved", "from", old.build, "to", n.build, "bytes", saved.Len, "took", time.Since(start))
	return nil
}

// point points every slot of c as t says, and opens c's gate.
func (p *patcher) point(c *loaded, t map[string]*loaded, n *loaded, moves bool) {
	c.targets = map[string]*loaded{}
	if c.original {
		// The original copy's own targets, with rollback.
		targets := map[*Func]*Target{}
		for _, f := range funcs {
			r := t[f.ID]
			if r == nil || r == c {
				targets[f] = nil
				continue
			}
			c.targets[f.ID] = r
			prev := theGate.current(f)
			if prev != nil && prev.build == r.build {
				targets[f] = prev // unchanged
				continue
			}
			nt := &Target{call: r.call, index: r.index[f.ID], id: f.ID, build: r.build, fn: f, in: r}
			if r == n && n.desc.Rollback {
				// Back to the body before, unless kept state moved
				// away from it.
				before := c
				if prev != nil {
					before = p.byBuild(prev.build)
				}
				if !moves || before == nil || !before.funcs[f.ID].Stateful {
					nt.rollback, nt.prev = true, prev
				}
			}
			targets[f] = nt
		}
		theGate.open(targets)
		// A host's calls of a marked export enter the copy that runs it
		// directly; with rollback, they go through the original copy,
		// whose call of another copy can roll back.
		for f, t := range targets {
			var entry uintptr
			if t != nil && !t.rollback {
				entry = t.in.funcs[f.ID].Entry
			}
			f.setEntry(addr(entry))
		}
		return
	}
	var slots []pointSlot
	for id := range c.funcs {
		r := t[id]
		if r == nil || r == c {
			slots = append(slots, pointSlot{ID: id})
			continue
		}
		c.targets[id] = r
		slots = append(slots, pointSlot{ID: id, Call: uintptr(r.call), Index: r.index[id], Build: r.build})
	}
	if resp := c.control(controlRequest{Op: opPoint, Slots: slots}); resp.Err != "" {
		p.log.Warn("hotpatch: cannot point the functions of a copy at the new build", "copy", c.path, "err", resp.Err)
	}
}

// retire points the slots of n, a build that will never apply, where the
// functions run now, and tells it that it owns no state.
func (p *patcher) retire(n *loaded) {
	t := map[string]*loaded{}
	for id := range n.funcs {
		if r := p.self.runner(id); r != p.self {
			t[id] = r
		}
	}
	p.point(n, t, nil, false)
	n.control(controlRequest{Op: opRetire, Moved: true})
}

func (p *patcher) byBuild(build string) *loaded {
	for _, l := range p.loaded {
		if l.build == build {
			return l
		}
	}
	return nil
}

// report logs what an apply did to the original copy's functions, and
// tells the builds.
func (p *patcher) report(n *loaded) {
	patched := 0
	var kept []artifact.KeptFunc
	for _, f := range funcs {
		nf, ok := n.funcs[f.ID]
		switch {
		case !ok:
			kept = append(kept, artifact.KeptFunc{Func: f.ID, Reason: "not in the new build"})
			p.log.Warn("hotpatch: function is not in the new build; it keeps its current body", "func", f.ID, "build", n.build)
		case nf.Fingerprint != f.Fingerprint:
			kept = append(kept, artifact.KeptFunc{Func: f.ID, Reason: "its signature or the memory layout of a parameter or result changed: restart the process to use it"})
			p.log.Warn("hotpatch: function changed its signature or the memory layout of a parameter or result; it keeps its current body until the process restarts",
				"func", f.ID, "build", n.build)
		default:
			patched++
			p.log.Debug("hotpatch: patched", "func", f.ID, "build", n.build)
		}
	}
	for id := range n.funcs {
		if _, ok := p.self.funcs[id]; !ok {
			p.log.Debug("hotpatch: new function is called only from the new build's own code", "func", id, "build", n.build)
		}
	}
	p.log.Info("hotpatch: loaded new build", "build", n.build, "patched", patched, "kept", len(kept), "state", len(n.desc.Kept),
		"copies", p.copies, "budget", p.budgetText(), "copy", n.path)
	p.tell(n.stamp, artifact.Applied, "", patched, kept)
}

// compatibleSchemas is compatible for schemas as descriptions carry them.
func compatibleSchemas(old, new string) error {
	o, err := parseSchema(old)
	if err != nil {
		return err
	}
	n, err := parseSchema(new)
	if err != nil {
		return err
	}
	return compatible(o, n)
}

// nestedAnywhere reports whether the calling goroutine is inside a marked
// call of this copy.
func nestedAnywhere() bool {
	names := markedNames()
	pcs := make([]uintptr, 128)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if names[f.Function] {
			return true
		}
		if !more {
			return false
		}
	}
}
