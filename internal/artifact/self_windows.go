package artifact

import (
	"reflect"

	"golang.org/x/sys/windows"
)

// selfPath asks Windows which module holds this function's code, and that
// module's file name: the DLL (or executable) this copy was loaded from.
func selfPath() string {
	// For a func, UnsafePointer is its code's address.
	pc := (*uint16)(reflect.ValueOf(selfPath).UnsafePointer())
	var module windows.Handle
	// UNCHANGED_REFCOUNT: the lookup must not pin the module.
	flags := uint32(windows.GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | windows.GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT)
	if err := windows.GetModuleHandleEx(flags, pc, &module); err != nil {
		return ""
	}
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n, err := windows.GetModuleFileName(module, &buf[0], uint32(len(buf)))
	if err != nil || n == 0 {
		return ""
	}
	return windows.UTF16ToString(buf[:n])
}
