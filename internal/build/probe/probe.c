// probe loads a new build of a library as a patch copy, in a process of its
// own, before hotpatch build publishes it: a panic in the build's package
// initialisation then ends this process, not the ones that run the library.
//
//	probe LIBRARY
//
// It makes the first call into the copy, which waits for the copy's
// initialisation to end, prints what the copy says about itself, and exits 0.
// LIBRARY must be named as a patch copy (in a .hotpatch folder), so that
// IsHotpatched is true during the initialisation, as it will be in the
// running process.
#include <stdio.h>
#include <stdlib.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#include <unistd.h>
#endif

typedef char *(*attach_fn)(void *, int);

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: probe LIBRARY\n");
		return 2;
	}
#ifdef _WIN32
	HMODULE lib = LoadLibraryA(argv[1]);
	if (!lib) {
		fprintf(stderr, "probe: cannot load %s: Windows error %lu\n", argv[1], GetLastError());
		return 3;
	}
	attach_fn attach = (attach_fn)(void *)GetProcAddress(lib, "hotpatch_v1_attach");
#else
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "probe: cannot load %s: %s\n", argv[1], dlerror());
		return 3;
	}
	attach_fn attach = (attach_fn)dlsym(lib, "hotpatch_v1_attach");
#endif
	if (!attach) {
		fprintf(stderr, "probe: %s has no hotpatch_v1_attach\n", argv[1]);
		return 3;
	}
	// No logger to forward to; Error only.
	char *desc = attach(NULL, 8);
	printf("%s\n", desc ? desc : "");
	fflush(stdout);
	// Leave at once: the copy's runtime goes on running threads.
#ifdef _WIN32
	ExitProcess(0);
#else
	_exit(0);
#endif
}
