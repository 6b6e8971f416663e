package rt

/*
#include <stdlib.h>
#include <windows.h>

// hp_next_tls_index returns the TLS index that the next TlsAlloc would
// return, by allocating and freeing it.
static DWORD hp_next_tls_index(void) {
	DWORD i = TlsAlloc();
	if (i != TLS_OUT_OF_INDEXES) TlsFree(i);
	return i;
}

static void* hp_symbol(HMODULE h, const char* name) { return (void*)GetProcAddress(h, name); }
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
)

// A library is a loaded copy of the library.
type library struct {
	handle C.HMODULE
	// Path is the file the copy was loaded from.
	Path string
}

// tlsSlots is the number of TLS slots that a Go runtime may take. Go 1.26
// keeps g in the TEB slot that TlsAlloc gives it, and from index 64 up falls
// back to the TEB's ArbitraryUserPointer, which every such runtime shares:
// two of them corrupt each other ("bad sweepgen in refill", "unexpected return
// pc for runtime.cgocallback"). See https://go.dev/issue/59824.
const tlsSlots = 64

// dlopen loads the library at path as a new copy, with its own Go runtime,
// unless that runtime's TLS slot would be past the limit. The copy's Go
// initialisation goes on in the background; the first call of an exported
// function waits for it.
func dlopen(path string) (*library, error) {
	// A probe, not a reservation: another thread may take the slot first,
	// but a Go host or another Go DLL loading at the same moment is rare.
	if next := C.hp_next_tls_index(); next >= tlsSlots {
		return nil, fmt.Errorf("LoadLibraryW %s: refused: the new copy's Go runtime would get TLS slot %d, and Go runtimes from slot %d up corrupt each other (go.dev/issue/59824): %w",
			path, int64(next), tlsSlots, errCopyLimit)
	}
	wpath, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("LoadLibraryW %s: %w", path, err)
	}
	// GetLastError belongs to the calling thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := C.LoadLibraryW((*C.WCHAR)(unsafe.Pointer(wpath)))
	if h == nil {
		return nil, fmt.Errorf("LoadLibraryW %s: %w", path, windows.Errno(C.GetLastError()))
	}
	return &library{handle: h, Path: path}, nil
}

// symbol returns the address of the exported symbol name in this copy.
func (l *library) symbol(name string) (unsafe.Pointer, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	p := C.hp_symbol(l.handle, cname)
	if p == nil {
		return nil, fmt.Errorf("%s has no symbol %s: it was not built by hotpatch build, or by an incompatible version", l.Path, name)
	}
	return p, nil
}
