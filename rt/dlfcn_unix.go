//go:build linux || darwin

package rt

/*
#cgo linux LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// A library is a loaded copy of the library.
type library struct {
	handle unsafe.Pointer
	// Path is the file the copy was loaded from.
	Path string
}

// errStaticTLS means that the C library has no static TLS left for another Go
// runtime: glibc reserves room for about 214 of them by default, and the
// reserve is fixed when the process starts.
var errStaticTLS = fmt.Errorf("%w: the process is out of static TLS, which glibc reserves for about 214 Go libraries; "+
	"start it with GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096 to allow about 660 copies", errCopyLimit)

// dlopen loads the library at path as a new copy, with its own Go runtime.
// The copy's Go initialisation goes on in the background; the first call of an
// exported function waits for it.
func dlopen(path string) (*library, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	// dlerror's message belongs to the calling thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := C.dlopen(cpath, C.RTLD_NOW|C.RTLD_LOCAL)
	if h == nil {
		msg := C.GoString(C.dlerror())
		if strings.Contains(msg, "static TLS") {
			return nil, fmt.Errorf("dlopen %s: %s: %w", path, msg, errStaticTLS)
		}
		return nil, fmt.Errorf("dlopen %s: %s", path, msg)
	}
	return &library{handle: h, Path: path}, nil
}

// symbol returns the address of the exported symbol name in this copy.
func (l *library) symbol(name string) (unsafe.Pointer, error) {
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
