// A test-only stand-in for bcryptprimitives.dll, which Wine 8.0 lacks.
//
// Every Go runtime since Go 1.22 draws its random numbers from
// bcryptprimitives.dll!ProcessPrng, and stops at start-up with
// "fatal error: bcryptprimitives.dll not found" where the DLL is missing.
// Real Windows (10 and later) has it. .ci/wine/setup builds this file with
// mingw-w64 and installs it into the Wine prefix; nothing ships it.
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
