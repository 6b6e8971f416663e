package rt

// The C ABI between copies. Every copy exports these symbols; the original
// copy finds a patch copy's with dlsym (GetProcAddress on Windows) on that
// copy's handle, so each copy's code binds to its own.
//
// v1 names the family of symbols; protocol is the version of what travels
// through them (frames, descriptions), which a copy checks when it attaches
// another.
//
// The preamble of a file with //export may only declare, so the C helpers are
// in the other files of this package.

/*
#include <stdlib.h>
*/
import "C"

import "unsafe"

// protocol is the version of this ABI. A copy with another version is not
// patched in. 2: hotpatch_v1_call returns nothing and leaves a panic in the
// frame's Header; Checked carries a buffer that the caller lends. 3:
// hotpatch_v1_control, kept state, and descriptions with fingerprints. 4:
// checked frames carry MessagePack that generated code writes and reads,
// with buffers that the caller keeps between calls.
const protocol = 4

// The symbols that load finds in a copy, and that artifact.LinkVerified and
// CopyVerified look for in its bytes before it is loaded.
const (
	attachSymbol  = "hotpatch_v1_attach"
	callSymbol    = "hotpatch_v1_call"
	controlSymbol = "hotpatch_v1_control"
)

//export hotpatch_v1_attach
func hotpatch_v1_attach(originalLog unsafe.Pointer, level C.int) *C.char {
	return C.CString(attach(originalLog, int(level)))
}

// hotpatch_v1_call runs the function at index on frame, and leaves a panic,
// if any, in the frame's Header. It returns nothing: cgo checks every pointer
// that an exported function returns, on every call.
//
//export hotpatch_v1_call
func hotpatch_v1_call(index C.int, frame unsafe.Pointer) {
	if msg := enter(int(index), frame); msg != "" {
		(*Header)(frame).panicked = C.CString(msg)
	}
}

// hotpatch_v1_control does what the original copy's patcher asks of this
// copy while it applies a build (control.go). The answer is C memory, which
// the caller frees.
//
//export hotpatch_v1_control
func hotpatch_v1_control(request *C.char) *C.char {
	return C.CString(controlJSON(C.GoString(request)))
}

//export hotpatch_v1_start
func hotpatch_v1_start() { startPatcher() }

//export hotpatch_v1_log
func hotpatch_v1_log(record *C.char) {
	logFromCopy(C.GoString(record))
}
