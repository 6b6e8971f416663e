// The host of hotpatch demo: a C program that loads a library, as a game
// loads a mod, and calls it on every frame.
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2) { fprintf(stderr, "usage: host LIBRARY\n"); return 2; }
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
	if (!lib) { fprintf(stderr, "host: %s\n", dlerror()); return 1; }
	int (*width)(int) = (int (*)(int))dlsym(lib, "Width");
	if (!width) { fprintf(stderr, "host: %s\n", dlerror()); return 1; }
	for (int frame = 1;; frame++) {
		int w = width(frame);
		printf("frame %3d  width=%-3d [", frame, w);
		for (int i = 0; i < w && i < 60; i++) putchar('#');
		printf("]\n");
		fflush(stdout);
		usleep(200 * 1000);
	}
}
