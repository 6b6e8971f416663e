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

// hp_load loads a library, and its error in the same call: GetLastError
// belongs to the thread, which may run other code between two cgo calls.
static HMODULE hp_load(const WCHAR* path, DWORD* err) {
	HMODULE h = LoadLibraryW(path);
	*err = h ? 0 : GetLastError();
	return h;
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// A library is a loaded copy of the library.
type library struct {
	handle C.HMODULE
	// Path is the file the copy was loaded from.
	Path string
}

// reused is false: copies on Windows are never links (artifact.LinkVerified),
// and LoadLibrary of a new name loads a new library.
func (l *library) reused(string) bool { return false }

// tlsSlots is the number of TLS slots that a Go runtime may take. Go 1.26
// keeps g in the TEB slot that TlsAlloc gives it, and from index 64 up falls
// back to the TEB's ArbitraryUserPointer, which every such runtime shares:
// two of them corrupt each other ("bad sweepgen in refill", "unexpected return
// pc for runtime.cgocallback"). See https://go.dev/issue/59824.
const tlsSlots = 64

// roomForCopy reports whether the process can take another copy: whether the
// TLS slot that the copy's runtime would get is below the limit. It is a
// probe, not a reservation: another thread may take the slot first, but a Go
// host or another Go DLL loading at the same moment is rare.
func roomForCopy() error {
	switch next := C.hp_next_tls_index(); {
	case next == C.TLS_OUT_OF_INDEXES:
		return fmt.Errorf("the process has no TLS slot left: %w", errCopyLimit)
	case next >= tlsSlots:
		return fmt.Errorf("the new copy's Go runtime would get TLS slot %d, and Go runtimes from slot %d up corrupt each other (go.dev/issue/59824): %w",
			int64(next), tlsSlots, errCopyLimit)
	}
	return nil
}

// dlopen loads the library at path as a new copy, with its own Go runtime.
// The copy's Go initialisation goes on in the background; the first call of
// an exported function waits for it.
func dlopen(path string) (*library, error) {
	wpath, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("LoadLibraryW %s: %w", path, err)
	}
	var code C.DWORD
	h := C.hp_load((*C.WCHAR)(unsafe.Pointer(wpath)), &code)
	if h == nil {
		return nil, fmt.Errorf("LoadLibraryW %s: %w", path, windows.Errno(code))
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
