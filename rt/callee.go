package rt

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"unsafe"
)

// The callee's side of a call between copies: a patch copy runs its body of
// a marked function on a frame that a caller in another copy filled.

// panicInfo carries a recovered panic back to the caller's copy.
type panicInfo struct {
	Value string `json:"value"`
	Stack string `json:"stack"`
}

// enter runs this copy's body of the function at index on a frame that a
// caller in an older copy built. It returns the panic, if the body panicked,
// encoded for the caller: an unrecovered panic here would abort the process
// from inside this runtime, with a trace that leaves out the caller.
func enter(index int, frame unsafe.Pointer) (panicked string) {
	if index < 0 || index >= len(funcs) {
		data, _ := json.Marshal(panicInfo{Value: fmt.Sprintf("hotpatch: no function with index %d in build %s", index, build)})
		return string(data)
	}
	defer func() {
		if r := recover(); r != nil {
			data, _ := json.Marshal(panicInfo{Value: fmt.Sprint(r), Stack: string(debug.Stack())})
			panicked = string(data)
		}
	}()
	funcs[index].slot.enter(frame)
	return ""
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
