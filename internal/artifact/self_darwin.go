package artifact

/*
#include <dlfcn.h>

static const char* hp_self_path(void* addr) {
	Dl_info info;
	if (dladdr(addr, &info) == 0) return 0;
	return info.dli_fname;
}
*/
import "C"

import "reflect"

// selfPath asks dyld, through dladdr, which image holds this function's code.
// macOS has no /proc, so this package needs cgo there; on Linux it reads
// /proc/self/maps instead and stays pure Go (self_linux.go).
//
// Untested: the project has no macOS machine, and several Go runtimes in one
// darwin process are known to fail with "bad sweepgen in refill"
// (golang/go#65050).
func selfPath() string {
	p := C.hp_self_path(reflect.ValueOf(selfPath).UnsafePointer())
	if p == nil {
		return ""
	}
	return C.GoString(p)
}
