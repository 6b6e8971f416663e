package rt

/*
#include <windows.h>

// hp_free_tls_slots counts the TLS slots below limit that no one has taken.
static int hp_free_tls_slots(DWORD limit) {
	DWORD taken[64];
	int n = 0, free = 0;
	for (;;) {
		DWORD i = TlsAlloc();
		if (i == TLS_OUT_OF_INDEXES) break;
		if (i >= limit || n == 64) { TlsFree(i); break; }
		taken[n++] = i;
		free++;
	}
	for (int k = 0; k < n; k++) TlsFree(taken[k]);
	return free;
}

typedef struct {
	DWORD cb;
	DWORD PageFaultCount;
	SIZE_T PeakWorkingSetSize;
	SIZE_T WorkingSetSize;
	SIZE_T QuotaPeakPagedPoolUsage;
	SIZE_T QuotaPagedPoolUsage;
	SIZE_T QuotaPeakNonPagedPoolUsage;
	SIZE_T QuotaNonPagedPoolUsage;
	SIZE_T PagefileUsage;
	SIZE_T PeakPagefileUsage;
} hp_memory_counters;

typedef BOOL (WINAPI *hp_memory_fn)(HANDLE, hp_memory_counters*, DWORD);

// hp_working_set returns the process's working set, through kernel32's
// K32GetProcessMemoryInfo, or 0.
static SIZE_T hp_working_set(void) {
	HMODULE k = GetModuleHandleA("kernel32.dll");
	hp_memory_fn f = k ? (hp_memory_fn)(void*)GetProcAddress(k, "K32GetProcessMemoryInfo") : NULL;
	hp_memory_counters c;
	c.cb = sizeof c;
	if (!f || !f(GetCurrentProcess(), &c, sizeof c)) return 0;
	return c.WorkingSetSize;
}
*/
import "C"

// copyBudget is about how many patch copies the process can hold: one per
// TLS slot below 64 that is free now (tlsSlots).
func copyBudget() int { return int(C.hp_free_tls_slots(tlsSlots)) }

// residentMemory returns the process's working set, in bytes.
func residentMemory() int64 { return int64(C.hp_working_set()) }
