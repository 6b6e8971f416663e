package rt

// The C ABI between copies. Every copy exports these symbols; the original
// copy finds a new copy's with dlsym (GetProcAddress on Windows) on that
// copy's handle, so each copy's code binds to its own.
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
// frame's Header; Checked carries a buffer that the caller lends.
const protocol = 2

//export hotpatch_v1_attach
func hotpatch_v1_attach(rootLog unsafe.Pointer, level C.int) *C.char {
	return C.CString(attach(rootLog, int(level)))
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

//export hotpatch_v1_start
func hotpatch_v1_start() { startPatcher() }

//export hotpatch_v1_log
func hotpatch_v1_log(record *C.char) {
	logFromCopy(C.GoString(record))
}
