#include "_cgo_export.h"
#include <windows.h>

// Windows threads, not winpthreads: the DLL must not depend on
// libwinpthread-1.dll, which a game's folder does not have.
static DWORD WINAPI hp_start_thread(LPVOID arg) {
	(void)arg;
	// A call into Go from a thread that runs no Go waits until the copy's
	// packages have initialised.
	hotpatch_v1_start();
	return 0;
}

// hp_start_after_init starts the patcher once package initialisation is
// over: hotpatch_v1_start runs on a new thread, and the runtime holds it back
// until then. Returns 0 or a Windows error code.
int hp_start_after_init(void) {
	HANDLE t = CreateThread(NULL, 0, hp_start_thread, NULL, 0, NULL);
	if (t == NULL) return (int)GetLastError();
	CloseHandle(t);
	return 0;
}
