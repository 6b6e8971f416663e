// keep_host is the C process of the kept-state tests: it loads the keep
// library and answers one command per line, as host.c does.
//
//	keep_host LIBRARY
#include "portable.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int (*Spawn)(const char *);
static long long (*Step)(void);
static void (*Incr)(void);
static char *(*Describe)(void);
static int (*IsRetired)(void);
static int (*FrameStart)(void);
static int (*ApplyInside)(void);

static void *sym(void *lib, const char *name) {
	void *p = lib_sym(lib, name);
	if (!p) { fprintf(stderr, "keep_host: %s: %s\n", name, lib_error()); exit(1); }
	return p;
}

// Threads that call Incr until told to stop, each counting its calls: the
// kept counter must end equal to their sum.
#define THREADS 8
static atomic_int stop_incr;
static atomic_long incr_calls;
static thread_t threads[THREADS];

static THREAD_FN incr(void *arg) {
	(void)arg;
	long n = 0;
	while (!atomic_load(&stop_incr)) {
		// Bursts, so that the builds meanwhile get some CPU.
		for (int i = 0; i < 1000; i++) Incr();
		n += 1000;
		thread_sleep_ms(1);
	}
	atomic_fetch_add(&incr_calls, n);
	return 0;
}

static int retiredIn(const char *path) {
	void *lib = lib_open(path, 0);
	if (!lib) return -1;
	int (*f)(void) = (int (*)(void))lib_sym(lib, "IsRetired");
	return f ? f() : -1;
}

int main(int argc, char **argv) {
	if (argc < 2) { fprintf(stderr, "usage: keep_host LIBRARY\n"); return 2; }
	void *lib = lib_open(argv[1], 1);
	if (!lib) { fprintf(stderr, "keep_host: %s: %s\n", argv[1], lib_error()); return 1; }
	Spawn = sym(lib, "Spawn");
	Step = sym(lib, "Step");
	Incr = sym(lib, "Incr");
	Describe = sym(lib, "Describe");
	IsRetired = sym(lib, "IsRetired");
	FrameStart = sym(lib, "FrameStart");
	ApplyInside = sym(lib, "ApplyInside");
	char line[1024], word[64], arg[900];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		arg[0] = 0;
		if (sscanf(line, "%63s %899[^\n]", word, arg) < 1) continue;
		if (!strcmp(word, "spawn")) printf("%d\n", Spawn(arg));
		else if (!strcmp(word, "step")) printf("%lld\n", Step());
		else if (!strcmp(word, "describe")) {
			char *d = Describe();
			printf("%s\n", d);
			free(d);
		} else if (!strcmp(word, "incr-start")) {
			for (int t = 0; t < THREADS; t++) thread_start(&threads[t], incr, NULL);
			printf("started\n");
		} else if (!strcmp(word, "incr-stop")) {
			atomic_store(&stop_incr, 1);
			for (int t = 0; t < THREADS; t++) thread_join(threads[t]);
			printf("%ld\n", atomic_load(&incr_calls));
		} else if (!strcmp(word, "retired")) printf("%d\n", IsRetired());
		else if (!strcmp(word, "retired-copy")) printf("%d\n", retiredIn(arg));
		else if (!strcmp(word, "frame")) printf("%d\n", FrameStart());
		else if (!strcmp(word, "apply-inside")) printf("%d\n", ApplyInside());
		else if (!strcmp(word, "quit")) return 0;
		else printf("unknown command %s\n", word);
	}
	return 0;
}
