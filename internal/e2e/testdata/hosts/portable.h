// portable.h: what the C hosts of the end-to-end tests need from the system,
// on Linux (dlopen, pthreads) and on Windows (LoadLibrary, Windows threads),
// so that the same host source builds with cc and with mingw-w64.
#ifndef HOTPATCH_PORTABLE_H
#define HOTPATCH_PORTABLE_H

#ifdef _WIN32
#include <windows.h>
#else
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#endif
#include <stdio.h>

#ifdef _WIN32
typedef HANDLE thread_t;
#define THREAD_FN DWORD WINAPI
static inline void *lib_open(const char *path, int global) { (void)global; return (void *)LoadLibraryA(path); }
static inline void *lib_sym(void *lib, const char *name) { return (void *)GetProcAddress((HMODULE)lib, name); }
static inline const char *lib_error(void) {
	static char msg[64];
	snprintf(msg, sizeof msg, "Windows error %lu", GetLastError());
	return msg;
}
static inline void thread_start(thread_t *t, DWORD (WINAPI *fn)(void *), void *arg) { *t = CreateThread(NULL, 0, fn, arg, 0, NULL); }
static inline void thread_join(thread_t t) { WaitForSingleObject(t, INFINITE); CloseHandle(t); }
static inline void thread_sleep_ms(int ms) { Sleep(ms); }
static inline long process_id(void) { return (long)GetCurrentProcessId(); }
#else
typedef pthread_t thread_t;
#define THREAD_FN void *
static inline void *lib_open(const char *path, int global) { return dlopen(path, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL)); }
static inline void *lib_sym(void *lib, const char *name) { return dlsym(lib, name); }
static inline const char *lib_error(void) { return dlerror(); }
static inline void thread_start(thread_t *t, void *(*fn)(void *), void *arg) { pthread_create(t, NULL, fn, arg); }
static inline void thread_join(thread_t t) { pthread_join(t, NULL); }
static inline void thread_sleep_ms(int ms) { usleep(ms * 1000); }
static inline long process_id(void) { return (long)getpid(); }
#endif

#endif
