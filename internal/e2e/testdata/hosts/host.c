// host is the C process of the end-to-end tests. It loads the test library,
// as a game loads a mod, and answers one command per line on stdin with one
// line on stdout, so that a test can drive it while it rebuilds the library.
// It builds with cc for Linux and with mingw-w64 for Windows.
//
//	host [-tls-spare K [-filler F.so]] [-also LIBRARY2]... [-together 1] LIBRARY
//
// With -tls-spare, the host first uses up the room for Go runtimes until only
// K more Go libraries fit, so that a test reaches the reload limit after K-1
// reloads instead of about 213 (Linux) or 62 (Windows). On Linux that room is
// glibc's static TLS, which copies of the filler library use up; on Windows it
// is the TLS slots below 64, which the host takes with TlsAlloc.
//
// With -also, the host loads more libraries after LIBRARY, up to 8, and
// calls each once as soon as it is loaded, as a mod loader calls a mod's
// entry point before it loads the next. With -together 1, it loads them all
// before it calls any, so that their Go runtimes start at the same time.
#include "portable.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static long long (*Compute)(long long);
static long long (*Compute2)(long long);
#define MAX_ALSO 8
static long long (*AlsoCompute[MAX_ALSO])(long long);
static long long (*AlsoSpinGC[MAX_ALSO])(void);
static int nalso;
static int (*Greet)(const char *, char *, int);
static long long (*Add)(long long);
static double (*Dot)(double, double);
static char *(*TryPanic)(int);
static int (*MayPanic)(int);
static int (*Shape)(int);
static int (*Statics)(void);
static int (*Flags)(void);
static long long (*SpinGC)(void);
static long long (*Sum3)(long long, long long, long long);
static int (*DivMod)(int, int);
static int (*NilDeref)(void);
static int (*NilDerefMarked)(void);
static int (*BrokenPipe)(void);
static long long (*Risky)(long long);
static int (*StartTicker)(void);
static long long (*Tick)(void);
static char *(*Plain)(const char *);

// inCopy calls the exported function name of the library at path, which
// the patcher has loaded already: a patch copy, old or new.
static int inCopy(const char *path, const char *name) {
	void *lib = lib_open(path, 0);
	if (!lib) { fprintf(stderr, "host: %s: %s\n", path, lib_error()); return -1; }
	int (*f)(void) = (int (*)(void))lib_sym(lib, name);
	return f ? f() : -1;
}

static int threadResult;
static THREAD_FN nilDerefThread(void *arg) {
	(void)arg;
	threadResult = NilDeref();
	return 0;
}

static void *sym(void *lib, const char *name) {
	void *p = lib_sym(lib, name);
	if (!p) { fprintf(stderr, "host: %s: %s\n", name, lib_error()); exit(1); }
	return p;
}

// Stress: threads call Compute and Greet and check every result against the
// version that produced it.
#define THREADS 8
static atomic_int stop_stress;
static atomic_long calls, bad, regress;
static atomic_int maxversion;

static THREAD_FN stress(void *arg) {
	long long x = (long long)(intptr_t)arg;
	int last = 0, lastg = 0;
	char buf[64];
	while (!atomic_load(&stop_stress)) {
		x = (x * 7 + 3) % 100000;
		long long r = Compute(x);
		long long v = r - x * 1000;
		if (v < 1 || v > 100000) atomic_fetch_add(&bad, 1);
		if (v < last) atomic_fetch_add(&regress, 1);
		last = (int)v;
		int n = Greet("t", buf, sizeof buf - 1);
		buf[n] = 0;
		int g = 0;
		if (sscanf(buf, "hello t v%d", &g) != 1 || g < 1) atomic_fetch_add(&bad, 1);
		if (g < lastg) atomic_fetch_add(&regress, 1);
		lastg = g;
		int m = atomic_load(&maxversion);
		while (v > m && !atomic_compare_exchange_weak(&maxversion, &m, (int)v)) {}
		atomic_fetch_add(&calls, 1);
	}
	return 0;
}

#ifdef _WIN32
// useTLSSlots takes TLS slots until only spare more Go runtimes get one below
// 64, the last index that Go 1.26 can use safely (go.dev/issue/59824).
static void useTLSSlots(int spare) {
	DWORD i;
	while ((i = TlsAlloc()) != TLS_OUT_OF_INDEXES && i < (DWORD)(64 - spare)) {}
	if (i != TLS_OUT_OF_INDEXES) TlsFree(i);
	fprintf(stderr, "host: took TLS slots up to %lu, left %d\n", (unsigned long)i, spare);
}
#else
// fillStaticTLS loads copies of filler, each taking 8 bytes of static TLS like
// a Go library, until only spare more fit.
static void fillStaticTLS(const char *filler, int spare) {
	int fd[2];
	if (pipe(fd) != 0) { perror("pipe"); exit(1); }
	char path[4096];
	pid_t pid = fork();
	if (pid == 0) {
		int n = 0;
		for (;; n++) {
			snprintf(path, sizeof path, "%s.%d", filler, n);
			char cmd[8300];
			snprintf(cmd, sizeof cmd, "cp '%s' '%s'", filler, path);
			if (system(cmd) != 0 || !lib_open(path, 0)) break;
		}
		if (write(fd[1], &n, sizeof n) != sizeof n) _exit(1);
		_exit(0);
	}
	int fit = 0;
	if (read(fd[0], &fit, sizeof fit) != sizeof fit) { fprintf(stderr, "host: filler count\n"); exit(1); }
	waitpid(pid, NULL, 0);
	for (int n = 0; n < fit - spare; n++) {
		snprintf(path, sizeof path, "%s.%d", filler, n);
		if (!lib_open(path, 0)) { fprintf(stderr, "host: %s\n", lib_error()); exit(1); }
	}
	fprintf(stderr, "host: static TLS has room for %d libraries, left %d\n", fit, spare);
}
#endif

int main(int argc, char **argv) {
	int spare = -1, together = 0;
	const char *filler = NULL, *also[MAX_ALSO];
	int i = 1;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-tls-spare")) spare = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-filler")) filler = argv[i + 1];
		else if (!strcmp(argv[i], "-together")) together = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-also")) {
			if (nalso == MAX_ALSO) { fprintf(stderr, "host: more than %d -also libraries\n", MAX_ALSO); return 2; }
			also[nalso++] = argv[i + 1];
		}
	}
	if (i >= argc) { fprintf(stderr, "usage: host [-tls-spare K [-filler F.so]] [-also LIBRARY2]... [-together 1] LIBRARY\n"); return 2; }
#ifdef _WIN32
	(void)filler;
#else
	if (spare >= 0 && filler) fillStaticTLS(filler, spare);
#endif
	void *lib = lib_open(argv[i], 1);
	if (!lib) { fprintf(stderr, "host: %s: %s\n", argv[i], lib_error()); return 1; }
	Compute = sym(lib, "Compute");
#ifdef _WIN32
	// The slots go after the library's runtime, and the system DLLs it
	// brings, have taken theirs.
	if (spare > 0) {
		Compute(0);
		useTLSSlots(spare - 1);
	}
#endif
	if (nalso > 0 && !together) Compute(0);
	for (int a = 0; a < nalso; a++) {
		void *lib2 = lib_open(also[a], 0);
		if (!lib2) { fprintf(stderr, "host: %s: %s\n", also[a], lib_error()); return 1; }
		AlsoCompute[a] = sym(lib2, "Compute");
		AlsoSpinGC[a] = sym(lib2, "SpinGC");
		if (!together) AlsoCompute[a](0);
	}
	if (together) {
		Compute(0);
		for (int a = 0; a < nalso; a++) AlsoCompute[a](0);
	}
	Compute2 = AlsoCompute[0];
	Greet = sym(lib, "Greet");
	Plain = sym(lib, "Plain");
	Add = sym(lib, "Add");
	Dot = sym(lib, "Dot");
	TryPanic = sym(lib, "TryPanic");
	MayPanic = sym(lib, "MayPanic");
	Shape = sym(lib, "Shape");
	Statics = sym(lib, "Statics");
	Flags = sym(lib, "Flags");
	SpinGC = sym(lib, "SpinGC");
	Sum3 = sym(lib, "Sum3");
	DivMod = sym(lib, "DivMod");
	NilDeref = sym(lib, "NilDeref");
	NilDerefMarked = sym(lib, "NilDerefMarked");
	BrokenPipe = sym(lib, "BrokenPipe");
	Risky = sym(lib, "Risky");
	StartTicker = sym(lib, "StartTicker");
	Tick = sym(lib, "Tick");

	thread_t threads[THREADS];
	char line[1024], word[64], arg[900];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		arg[0] = 0;
		if (sscanf(line, "%63s %899[^\n]", word, arg) < 1) continue;
		if (!strcmp(word, "compute")) printf("%lld\n", Compute(atoll(arg)));
		else if (!strcmp(word, "compute2") && Compute2) printf("%lld\n", Compute2(atoll(arg)));
		else if (!strcmp(word, "compute-all")) {
			// Compute in each -also library, separated by spaces.
			for (int a = 0; a < nalso; a++) printf(a ? " %lld" : "%lld", AlsoCompute[a](atoll(arg)));
			printf("\n");
		} else if (!strcmp(word, "spingc-all")) {
			// SpinGC in each -also library: it ends only if that
			// library's runtime still receives its SIGURG.
			long long most = 0;
			for (int a = 0; a < nalso; a++) {
				long long us = AlsoSpinGC[a]();
				if (us > most) most = us;
			}
			printf("%lld\n", most);
		}
		else if (!strcmp(word, "greet")) {
			char buf[256];
			int n = Greet(arg, buf, sizeof buf - 1);
			buf[n] = 0;
			printf("%s\n", buf);
		} else if (!strcmp(word, "plain")) {
			char *s = Plain(arg);
			printf("%s\n", s);
			free(s);
		} else if (!strcmp(word, "add")) printf("%lld\n", Add(atoll(arg)));
		else if (!strcmp(word, "dot")) {
			double x = 0, y = 0;
			sscanf(arg, "%lf %lf", &x, &y);
			printf("%g\n", Dot(x, y));
		} else if (!strcmp(word, "trypanic")) {
			char *msg = TryPanic(atoi(arg));
			if (!msg) { printf("none\n"); continue; }
			for (char *c = msg; *c; c++) if (*c == '\n') *c = '\\';
			printf("%s\n", msg);
			free(msg);
		} else if (!strcmp(word, "maypanic")) printf("%d\n", MayPanic(atoi(arg)));
		else if (!strcmp(word, "shape")) printf("%d\n", Shape(atoi(arg)));
		else if (!strcmp(word, "statics")) printf("%d\n", Statics());
		else if (!strcmp(word, "flags")) printf("%d\n", Flags());
		else if (!strcmp(word, "sum")) {
			long long a = 0, b = 0, c = 0;
			sscanf(arg, "%lld %lld %lld", &a, &b, &c);
			printf("%lld\n", Sum3(a, b, c));
		} else if (!strcmp(word, "divmod")) {
			int a = 0, b = 1;
			sscanf(arg, "%d %d", &a, &b);
			printf("%d\n", DivMod(a, b));
		} else if (!strcmp(word, "spingc")) printf("%lld\n", SpinGC());
		else if (!strcmp(word, "risky")) printf("%lld\n", Risky(atoll(arg)));
		else if (!strcmp(word, "ticker")) printf("%d\n", StartTicker());
		else if (!strcmp(word, "tick")) printf("%lld\n", Tick());
		else if (!strcmp(word, "nilderef")) printf("%d\n", NilDeref());
		else if (!strcmp(word, "nilderef-marked")) printf("%d\n", NilDerefMarked());
		else if (!strcmp(word, "nilderef-copy")) printf("%d\n", inCopy(arg, "NilDeref"));
		else if (!strcmp(word, "nilderef-thread")) {
			thread_t t;
			thread_start(&t, nilDerefThread, NULL);
			thread_join(t);
			printf("%d\n", threadResult);
		} else if (!strcmp(word, "brokenpipe")) printf("%d\n", BrokenPipe());
		else if (!strcmp(word, "brokenpipe-copy")) printf("%d\n", inCopy(arg, "BrokenPipe"));
		else if (!strcmp(word, "stress-start")) {
			for (int t = 0; t < THREADS; t++) thread_start(&threads[t], stress, (void *)(intptr_t)(t + 1));
			printf("started\n");
		} else if (!strcmp(word, "stress-stop")) {
			atomic_store(&stop_stress, 1);
			for (int t = 0; t < THREADS; t++) thread_join(threads[t]);
			printf("calls=%ld bad=%ld regress=%ld maxversion=%d\n", atomic_load(&calls), atomic_load(&bad), atomic_load(&regress), atomic_load(&maxversion));
		} else if (!strcmp(word, "pid")) printf("%ld\n", process_id());
		else if (!strcmp(word, "quit")) return 0;
		else printf("unknown command %s\n", word);
	}
	return 0;
}
