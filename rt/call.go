package rt

/*
#include <stdint.h>
#include <stdlib.h>

typedef void (*hp_call_fn)(int, void*);

// hp_header is the start of every frame; see Header.
struct hp_header {
	void* call;
	int32_t index;
	char* panicked;
};

// hp_trampoline runs on the system stack of the calling thread, through
// runtime.cgocall, and crosses into the callee's copy.
static void hp_trampoline(void* frame) {
	struct hp_header* h = frame;
	((hp_call_fn)h->call)(h->index, frame);
}

static void* hp_trampoline_ptr(void) { return (void*)hp_trampoline; }
*/
import "C"

import (
	"encoding/json"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/logging"
)

// Header starts every frame. The caller's copy fills in the target, and the
// newer copy's answer comes back in panicked: nil, or the C string of a panic.
type Header struct {
	call     unsafe.Pointer // a C function: not a Go pointer
	index    int32
	panicked *C.char
}

// cgocall is the runtime's entry into C, the one that cgo's generated code
// uses too. Calling it directly skips cgo's pointer checks, which would reject
// the frame: it holds Go pointers, which is safe here (see Call).
//
//go:linkname cgocall runtime.cgocall
func cgocall(fn, arg unsafe.Pointer) int32

var trampoline = C.hp_trampoline_ptr()

// Call runs the target on frame: a pointer to a heap-allocated struct that
// starts with a Header, followed by the arguments and room for the results.
//
// The frame lives on the heap, where it never moves, and the caller keeps it
// alive until the results are read. A frame on the goroutine's stack would be
// cheaper, but the callee's copy may call back into this copy on the same thread
// (through the host), and the callback may grow and so move the stack while
// the callee's copy still holds the frame.
//
// The callee's copy reads the arguments, clones every string and slice into its
// own heap, and writes the results: pointer-free ones into the frame, plain
// data flattened into the frame's Lent, from which the caller rebuilds it in
// its own heap (plain.go). So after Call
// returns, the caller holds no pointer into the callee's copy's heap, and the
// newer copy keeps no pointer into the caller's memory, except what a pointer
// argument points to: persistent state that the caller keeps alive.
//
// A panic in the other copy is recovered there and raised again here as a
// *hotpatch.PanicError; with rollback (hotpatch build -rollback), the call
// runs again in the function's previous body instead.
func (t *Target) Call(frame unsafe.Pointer) {
	h := (*Header)(frame)
	h.call, h.index = t.call, t.index
	cgocall(trampoline, frame)
	if h.panicked == nil {
		return
	}
	msg := h.panicked
	h.panicked = nil
	p := panicOf(msg)
	if !t.rollback {
		panic(makePanic(t.id, p.Value, p.Stack, t.build))
	}
	t.rollBack(p)
	// The same frame: the callee cloned what it read, and writes results
	// only when the body returns.
	if t.prev != nil {
		t.prev.Call(frame)
		return
	}
	t.fn.slot.enter(frame)
}

// rollBack points the function's slot back at the target that t replaced,
// unless a newer build has replaced t meanwhile, and logs it once.
func (t *Target) rollBack(p panicInfo) {
	t.fn.slot.target.CompareAndSwap(t, t.prev)
	if t.rolledBack.Swap(true) {
		return
	}
	if t.prev != nil && t.prev.in != nil {
		// Every copy's slots point at the newest build: the copy that
		// rolls back runs its own body of the function again.
		t.prev.in.control(controlRequest{Op: opPoint, Slots: []pointSlot{{ID: t.id}}})
		t.prev.in.stale.Store(true)
	}
	previous := build // the original copy's own body
	if t.prev != nil {
		previous = t.prev.build
	}
	logging.Logger().Warn("hotpatch: rolled back: a panic escaped the function's new body, so it runs its previous body until the next build, and the call ran again there",
		"func", t.id, "panic", p.Value, "build", t.build, "previous", previous)
}

// panicOf reads and frees the panic that a callee left in a frame.
func panicOf(msg *C.char) panicInfo {
	data := C.GoString(msg)
	C.free(unsafe.Pointer(msg))
	var p panicInfo
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		p.Value = data
	}
	return p
}
