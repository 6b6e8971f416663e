//go:build unix

package loader

/*
#cgo linux LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

static const char* hp_self_path(void) {
	Dl_info info;
	if (dladdr((void*)hp_self_path, &info) && info.dli_fname) return info.dli_fname;
	return NULL;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

func selfPath() string {
	if p := C.hp_self_path(); p != nil {
		return C.GoString(p)
	}
	return ""
}

// A Library is a loaded copy of the library.
type Library struct {
	handle unsafe.Pointer
	// Path is the file the copy was loaded from.
	Path string
}

// ErrStaticTLS means that the C library has no static TLS left for another Go
// runtime: glibc reserves room for about 214 of them by default.
var ErrStaticTLS = errors.New("no static TLS left for another copy of the library")

// Open loads the library at path as a new copy, with its own Go runtime.
// The copy's Go initialisation goes on in the background; the first call of an
// exported function waits for it.
func Open(path string) (*Library, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	// dlerror's message belongs to the calling thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := C.dlopen(cpath, C.RTLD_NOW|C.RTLD_LOCAL)
	if h == nil {
		msg := C.GoString(C.dlerror())
		if strings.Contains(msg, "static TLS") {
			return nil, fmt.Errorf("dlopen %s: %s: %w", path, msg, ErrStaticTLS)
		}
		return nil, fmt.Errorf("dlopen %s: %s", path, msg)
	}
	return &Library{handle: h, Path: path}, nil
}

// Symbol returns the address of the exported symbol name in this copy.
func (l *Library) Symbol(name string) (unsafe.Pointer, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	C.dlerror()
	p := C.dlsym(l.handle, cname)
	if p == nil {
		return nil, fmt.Errorf("%s has no symbol %s: it was not built by hotpatch build, or by an incompatible version", l.Path, name)
	}
	return p, nil
}
