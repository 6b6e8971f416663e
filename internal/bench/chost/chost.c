// chost is the C host of the benchmark: it loads the benchmark library as a
// host program does and times calls through its exports, as hosts feel them.
// The harness (calls.go) drives it with one command per line on stdin:
//
//	bench NAME N        time N calls of the export NAME(i, 1); print ns a call
//	spin-start K [P]    start K threads that call MarkedAdd and keep their longest call;
//	                    with P, each makes bursts of 1000 calls, P microseconds apart
//	spin-fn NAME        make the threads call the export NAME from now on
//	spin-c NS           make the threads call a C function of this host that takes NS ns:
//	                    the floor that the OS scheduler sets, with no Go in the call
//	spin-max            print the longest call since the last spin-max, in ns, and reset it
//	spin-slow           print how many calls took over 1 ms since the last spin-slow, and reset it
//	spin-stop           stop the threads
//	version             print HPVersion(), the lowest of every library's
//	urg K               send this thread K SIGURGs; print ns a signal
//
// chost [-together] LIBRARY [ALSO...] loads more libraries after LIBRARY, as
// a mod loader loads mods, and calls each as soon as it is loaded, or with
// -together, only once all are loaded: their Go runtimes then start at the
// same time. The commands other than version and urg use LIBRARY only.
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef long long (*add_fn)(long long, long long);

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *lib;

static void *sym(const char *name) {
	void *p = dlsym(lib, name);
	if (!p) { fprintf(stderr, "chost: no %s: %s\n", name, dlerror()); exit(1); }
	return p;
}

static atomic_int stop;
static atomic_llong longest;
static atomic_llong slow;
static pthread_t threads[64];
static int nthreads;
static _Atomic(add_fn) spin_fn;
static int pace_us;
static atomic_llong c_ns;

// c_add is the C function of spin-c: as long as a call into Go, and no Go.
static long long c_add(long long a, long long b) {
	long long t0 = now_ns(), ns = atomic_load_explicit(&c_ns, memory_order_relaxed);
	while (now_ns() - t0 < ns) {}
	return a + b;
}

static void *spin(void *arg) {
	(void)arg;
	long long i = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		long long t0 = now_ns();
		atomic_load_explicit(&spin_fn, memory_order_relaxed)(i++, 1);
		long long d = now_ns() - t0;
		if (d > 1000000) atomic_fetch_add_explicit(&slow, 1, memory_order_relaxed);
		long long m = atomic_load_explicit(&longest, memory_order_relaxed);
		while (d > m && !atomic_compare_exchange_weak(&longest, &m, d)) {}
		if (pace_us > 0 && i % 1000 == 0) {
			struct timespec ts = {0, pace_us * 1000L};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

#define MAX_LIBS 16

int main(int argc, char **argv) {
	int together = argc > 1 && !strcmp(argv[1], "-together"), first = 1 + together;
	int nlibs = argc - first;
	if (nlibs < 1 || nlibs > MAX_LIBS) { fprintf(stderr, "usage: chost [-together] LIBRARY [ALSO...], at most %d\n", MAX_LIBS); return 2; }
	int (*versions[MAX_LIBS])(void);
	void *main_lib = NULL;
	for (int i = 0; i < nlibs; i++) {
		lib = dlopen(argv[first + i], RTLD_NOW | (i == 0 ? RTLD_GLOBAL : RTLD_LOCAL));
		if (!lib) { fprintf(stderr, "chost: %s\n", dlerror()); return 1; }
		if (i == 0) main_lib = lib;
		versions[i] = (int (*)(void))sym("HPVersion");
		if (!together) versions[i]();
	}
	for (int i = 0; together && i < nlibs; i++) versions[i]();
	lib = main_lib;
	char line[256], word[64], arg[128];
	long long n;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		if (sscanf(line, "%63s", word) != 1) continue;
		if (!strcmp(word, "bench") && sscanf(line, "%*s %127s %lld", arg, &n) == 2) {
			add_fn f = (add_fn)sym(arg);
			long long s = 0, t0 = now_ns();
			for (long long i = 0; i < n; i++) s += f(i, 1);
			long long t = now_ns() - t0;
			if (s == 42) fprintf(stderr, " ");
			printf("%.3f\n", (double)t / (double)n);
		} else if (!strcmp(word, "spin-start") && sscanf(line, "%*s %d", &nthreads) == 1) {
			pace_us = 0;
			sscanf(line, "%*s %*d %d", &pace_us);
			atomic_store(&spin_fn, (add_fn)sym("MarkedAdd"));
			atomic_store(&stop, 0);
			for (int i = 0; i < nthreads; i++) pthread_create(&threads[i], NULL, spin, NULL);
			printf("started\n");
		} else if (!strcmp(word, "spin-fn") && sscanf(line, "%*s %127s", arg) == 1) {
			atomic_store(&spin_fn, (add_fn)sym(arg));
			printf("ok\n");
		} else if (!strcmp(word, "spin-c") && sscanf(line, "%*s %lld", &n) == 1) {
			atomic_store(&c_ns, n);
			atomic_store(&spin_fn, c_add);
			printf("ok\n");
		} else if (!strcmp(word, "spin-max")) {
			printf("%lld\n", atomic_exchange(&longest, 0));
		} else if (!strcmp(word, "spin-slow")) {
			printf("%lld\n", atomic_exchange(&slow, 0));
		} else if (!strcmp(word, "spin-stop")) {
			atomic_store(&stop, 1);
			for (int i = 0; i < nthreads; i++) pthread_join(threads[i], NULL);
			printf("stopped\n");
		} else if (!strcmp(word, "version")) {
			int v = versions[0]();
			for (int i = 1; i < nlibs; i++) {
				int w = versions[i]();
				if (w < v) v = w;
			}
			printf("%d\n", v);
		} else if (!strcmp(word, "urg") && sscanf(line, "%*s %lld", &n) == 1) {
			long long t0 = now_ns();
			for (long long i = 0; i < n; i++) pthread_kill(pthread_self(), SIGURG);
			printf("%.1f\n", (double)(now_ns() - t0) / (double)n);
		} else {
			printf("unknown command %s\n", word);
		}
	}
	return 0;
}
