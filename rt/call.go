package rt

/*
#cgo noescape hp_call
#include <stdlib.h>

typedef char* (*hp_call_fn)(int, void*);

static inline char* hp_call(void* fn, int index, void* frame) {
	return ((hp_call_fn)fn)(index, frame);
}
*/
import "C"

import (
	"encoding/json"
	"unsafe"

	"github.com/hotpatch-go/hotpatch"
)

// Call runs the target on frame, a pointer to a struct on the caller's stack
// that holds the arguments followed by room for the results.
//
// The frame stays on the caller's stack: hp_call is declared noescape, so the
// compiler does not move the frame to the heap, and a goroutine's stack never
// moves while it is in a C call. The newer copy reads the arguments, clones
// every string and slice into its own heap, and writes the results, which
// carry no pointers. So after Call returns, the caller holds no pointer into
// the newer copy's heap, and the newer copy keeps no pointer into the caller's
// memory, except what a pointer argument points to (the caller's persistent
// state, which the caller keeps alive).
//
// A panic in the newer copy is recovered there and raised again here as a
// *hotpatch.PanicError.
func (t *Target) Call(frame unsafe.Pointer) {
	if msg := C.hp_call(t.call, C.int(t.index), frame); msg != nil {
		t.repanic(msg)
	}
}

func (t *Target) repanic(msg *C.char) {
	data := C.GoString(msg)
	C.free(unsafe.Pointer(msg))
	p := &hotpatch.PanicError{Func: t.id, Build: t.build}
	if err := json.Unmarshal([]byte(data), p); err != nil {
		p.Value = data
	}
	p.Func, p.Build = t.id, t.build
	panic(p)
}
