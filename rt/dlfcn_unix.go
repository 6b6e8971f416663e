//go:build linux || darwin

package rt

/*
#cgo linux LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <link.h>
#endif

// hp_loaded_as reports whether the loader loaded the object h from path: 1
// if so, 0 if it had loaded that file before, under another name, -1 if it
// cannot tell.
static int hp_loaded_as(void* h, const char* path) {
#ifdef __linux__
	struct link_map* lm = NULL;
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL || lm->l_name == NULL) return -1;
	return strcmp(lm->l_name, path) == 0;
#else
	return -1;
#endif
}
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

// reused reports whether dlopen handed back a library it had loaded before
// from the same file, under another name than path: glibc and musl know a
// loaded object by its device and inode, and a copy that is a link to a
// build (artifact.LinkVerified) shares them with every other link to it. If
// so, it gives back the reference that dlopen took.
func (l *library) reused(path string) bool {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if C.hp_loaded_as(l.handle, cpath) != 0 {
		return false
	}
	C.dlclose(l.handle)
	return true
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
