package rt

import (
	"reflect"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// A Func is a marked function as this copy knows it.
type Func struct {
	// ID is the function's identity: package path and name, with the
	// receiver type for methods, as in "example.com/game.(*World).Step".
	ID string
	// Fingerprint is what another build's function of the same identity
	// must match to run in its place: see internal/rewrite.
	Fingerprint string
	// Stateful reports that the function's body uses kept state: it must
	// never run in a copy that no longer holds it.
	Stateful bool
	// name is the function's name as goroutine stacks show it, such as
	// main.(*World).Step.
	name string
	slot Slot
	// For a marked export with an entry point of its own: the C slot that
	// the entry point reads (the export in the copy that runs the function,
	// or nil for this copy's), and this copy's export.
	cslot, entry unsafe.Pointer
}

// A Slot says which copy runs a marked function: nil for this copy, a
// target in another copy, or gateClosed while kept state moves.
type Slot struct {
	target atomic.Pointer[Target]
	// enter runs this copy's body of the function on a frame.
	enter func(frame unsafe.Pointer)
}

// Init sets the function that runs this copy's body on the frame that a
// caller in another copy built, and the marked function itself. Generated
// code calls it from an init function: the enter function refers to the
// marked function, whose dispatch check refers to the slot, so the slot's
// initialiser cannot refer to it.
func (s *Slot) Init(enter func(frame unsafe.Pointer), fn any) {
	s.enter = enter
	if f := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()); f != nil {
		funcOfSlot(s).name = f.Name()
	}
}

// SetExport records the entry point of a marked export (rewrite's
// exports.go): the C slot it reads, and this copy's export, where another
// copy's entry point may jump.
func (s *Slot) SetExport(cslot, entry unsafe.Pointer) {
	f := funcOfSlot(s)
	f.cslot, f.entry = cslot, entry
}

// setEntry points the C slot of a marked export at entry, the export of the
// copy that runs it, or at this copy's own export for nil.
func (f *Func) setEntry(entry unsafe.Pointer) {
	if f.cslot != nil {
		atomic.StorePointer((*unsafe.Pointer)(f.cslot), entry)
	}
}

// Load returns the target that a call runs in, or nil if it runs in this
// copy. While the gate of this copy is closed (gate.go), it waits for the
// gate to open, unless the call is made inside another marked call of this
// copy, which the gate is waiting for.
func (s *Slot) Load() *Target {
	if t := s.target.Load(); t != gateClosed {
		return t
	}
	return s.atGate()
}

// gateClosed is the target of every slot of a copy whose gate is closed.
var gateClosed = &Target{id: "the closed gate"}

// A Target is a marked function in another copy of the library.
type Target struct {
	call  unsafe.Pointer // that copy's hotpatch_v1_call
	index int32          // the function's index in that copy
	id    string
	build string
	// With rollback, a panic that escapes this body sends fn's slot back to
	// prev, the target it replaced (nil: the original copy's own body), and
	// the call runs again there.
	rollback   bool
	fn         *Func
	prev       *Target
	rolledBack atomic.Bool
	// in is the copy the target is in, for the original copy's targets:
	// a rollback to it points its own slot back at its own body.
	in *loaded
}

var funcs []*Func

// Register records a marked function of this copy. Generated code calls it
// in the initialiser of the function's slot, so every function is registered
// before any init function runs, and so before Configure.
func Register(id, fingerprint string, stateful bool) *Slot {
	f := &Func{ID: id, Fingerprint: fingerprint, Stateful: stateful}
	funcs = append(funcs, f)
	return &f.slot
}

// funcOfSlot returns the Func that holds s.
func funcOfSlot(s *Slot) *Func {
	return (*Func)(unsafe.Add(unsafe.Pointer(s), -int(unsafe.Offsetof(Func{}.slot))))
}
