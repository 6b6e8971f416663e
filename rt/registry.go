package rt

import (
	"sync/atomic"
	"unsafe"
)

// A Func is a marked function as this copy knows it.
type Func struct {
	// ID is the function's identity: package path and name, with the
	// receiver type for methods, as in "example.com/game.(*World).Step".
	ID string
	// Layout is a digest of the function's signature and of the memory
	// layout of every parameter and result type.
	Layout string
	slot   Slot
}

// A Slot says which copy runs a marked function: nil for this copy, or the
// target in a newer copy.
type Slot struct {
	target atomic.Pointer[Target]
	// enter runs this copy's body of the function on a frame.
	enter func(frame unsafe.Pointer)
}

// SetEnter sets the function that runs this copy's body on the frame that a
// caller in an older copy built. Generated code calls it from an init
// function: the enter function refers to the marked function, whose dispatch
// check refers to the slot, so the slot's initialiser cannot refer to it.
func (s *Slot) SetEnter(enter func(frame unsafe.Pointer)) { s.enter = enter }

// Load returns the target that calls run in, or nil if they run in this copy.
func (s *Slot) Load() *Target { return s.target.Load() }

// A Target is a marked function in a newer copy of the library.
type Target struct {
	call  unsafe.Pointer // that copy's hotpatch_v1_call
	index int32          // the function's index in that copy
	id    string
	build string
}

var funcs []*Func

// Register records a marked function of this copy. Generated code calls it
// in the initialiser of the function's slot, so every function is registered
// before any init function runs, and so before Configure.
func Register(id, layout string) *Slot {
	f := &Func{ID: id, Layout: layout}
	funcs = append(funcs, f)
	return &f.slot
}

// CloneString returns a copy of s in this copy's heap. A string argument
// points into the caller's heap, which this copy's garbage collector does not
// see: the body receives the clone, and may keep it.
func CloneString(s string) string {
	if len(s) == 0 {
		return ""
	}
	b := make([]byte, len(s))
	copy(b, s)
	return unsafe.String(&b[0], len(b))
}

// CloneSlice returns a copy of s in this copy's heap, for the same reason as
// CloneString. After the body returns, the generated code copies the elements
// back into s, so that the caller sees what the body wrote.
func CloneSlice[E any](s []E) []E {
	if s == nil {
		return nil
	}
	c := make([]E, len(s), len(s))
	copy(c, s)
	return c
}
