package rt

/*
#include <stdlib.h>
#include <windows.h>

typedef WCHAR* (CDECL *hp_wine_dos_fn)(const char*);

// hp_wine_dos_name asks Wine for the Windows name of a Unix path, through
// kernel32's wine_get_dos_file_name, which only Wine has. Returns NULL on
// Windows, or for a path Wine cannot name; the caller frees the result with
// hp_free_wide.
static WCHAR* hp_wine_dos_name(const char* unix_path) {
	HMODULE k = GetModuleHandleA("kernel32.dll");
	hp_wine_dos_fn f = k ? (hp_wine_dos_fn)(void*)GetProcAddress(k, "wine_get_dos_file_name") : NULL;
	return f ? f(unix_path) : NULL;
}

static void hp_free_wide(WCHAR* p) { HeapFree(GetProcessHeap(), 0, p); }
*/
import "C"

import (
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// nativePath turns the build output's path, as hotpatch build wrote it, into
// a path of this system. A DLL cross-built on Linux carries a Linux path; run
// under Wine, the path names the same file through one of Wine's drives.
func nativePath(out string) string {
	if !strings.HasPrefix(out, "/") {
		return out
	}
	cpath := C.CString(out)
	defer C.free(unsafe.Pointer(cpath))
	w := C.hp_wine_dos_name(cpath)
	if w == nil {
		return out
	}
	defer C.hp_free_wide(w)
	return windows.UTF16PtrToString((*uint16)(unsafe.Pointer(w)))
}
