//go:build linux || darwin

package rt

/*
#include <stdlib.h>
*/
import "C"

import "unsafe"

// processEnv returns the environment variable key as the C library has it
// now: what a runtime that starts now reads. Go's own copy of the
// environment, which os.Getenv reads, does not see what the host set later.
func processEnv(key string) string {
	k := C.CString(key)
	defer C.free(unsafe.Pointer(k))
	v := C.getenv(k)
	if v == nil {
		return ""
	}
	return C.GoString(v)
}
