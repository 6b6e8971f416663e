//go:build linux || darwin

// The SIGURG dispatcher. Every Go runtime preempts goroutines by sending
// SIGURG to the thread that runs them, and every runtime installs its own
// SIGURG handler, which forwards only fault signals and SIGPIPE to the handler
// it replaced. With several runtimes in one process, the newest one swallows
// the preemption signals of all the others: their goroutines in call-free loops
// can no longer be stopped, and a GC waits for them forever.
//
// The dispatcher is installed as the SIGURG handler and calls the handler of
// every runtime in turn. A runtime that receives a signal for a thread it does
// not know returns at once, and one that does know the thread checks that the
// signal landed on its own code before it preempts anything.

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#define HP_MAX_HANDLERS 4096
#define HP_MAX_ACTIVE 256

static struct sigaction hp_handlers[HP_MAX_HANDLERS];
static atomic_int hp_handler_count;

// The SIGURG handler installed before this copy's Go runtime started, captured
// by a constructor that runs before the runtime's own initialisation. In a Go
// host this is the host runtime's handler.
static struct sigaction hp_before_go;
static int hp_before_go_ok;

__attribute__((constructor(101))) static void hp_capture_before_go(void) {
	hp_before_go_ok = sigaction(SIGURG, NULL, &hp_before_go) == 0;
}

// Threads currently inside the dispatcher. A handler must never lead back into
// the dispatcher on the same thread: that recursion ends in "fatal: morestack
// on gsignal".
static atomic_long hp_active[HP_MAX_ACTIVE];

static long hp_thread_id(void) {
#ifdef __linux__
	return (long)syscall(SYS_gettid);
#else
	return (long)pthread_self();
#endif
}

static void hp_dispatch(int sig, siginfo_t *info, void *ctx) {
	int saved_errno = errno;
	long tid = hp_thread_id();
	int slot = -1;
	for (int i = 0; i < HP_MAX_ACTIVE; i++) {
		if (atomic_load(&hp_active[i]) == tid) {
			errno = saved_errno;
			return;
		}
	}
	for (int i = 0; i < HP_MAX_ACTIVE && slot < 0; i++) {
		long free_slot = 0;
		if (atomic_compare_exchange_strong(&hp_active[i], &free_slot, tid)) slot = i;
	}
	int n = atomic_load(&hp_handler_count);
	for (int i = 0; i < n; i++) {
		struct sigaction *h = &hp_handlers[i];
		if (h->sa_flags & SA_SIGINFO) {
			h->sa_sigaction(sig, info, ctx);
		} else if (h->sa_handler != SIG_DFL && h->sa_handler != SIG_IGN) {
			h->sa_handler(sig);
		}
	}
	if (slot >= 0) atomic_store(&hp_active[slot], 0);
	errno = saved_errno;
}

static int hp_is_real(const struct sigaction *sa) {
	if (sa->sa_flags & SA_SIGINFO) return sa->sa_sigaction != NULL && sa->sa_sigaction != hp_dispatch;
	return sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN;
}

static int hp_add(const struct sigaction *sa) {
	if (!hp_is_real(sa)) return 0;
	int n = atomic_load(&hp_handler_count);
	for (int i = 0; i < n; i++) {
		if (hp_handlers[i].sa_sigaction == sa->sa_sigaction && hp_handlers[i].sa_handler == sa->sa_handler) return 0;
	}
	if (n >= HP_MAX_HANDLERS) return -1;
	hp_handlers[n] = *sa;
	atomic_store(&hp_handler_count, n + 1);
	return 0;
}

static int hp_install(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = hp_dispatch;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGURG, &sa, NULL) != 0) return errno;
	return 0;
}

// hp_sigurg_adopt records the SIGURG handler installed now, and the one from
// before this copy's runtime when first called, then installs the
// dispatcher. The original copy calls it as soon as its own runtime is up.
int hp_sigurg_adopt(void) {
	static int first = 1;
	if (first) {
		first = 0;
		if (hp_before_go_ok && hp_add(&hp_before_go) < 0) return -1;
	}
	struct sigaction cur;
	if (sigaction(SIGURG, NULL, &cur) != 0) return errno;
	if (hp_add(&cur) < 0) return -1;
	return hp_install();
}

// A new copy's runtime installs its SIGURG handler while dlopen loads it, and
// from the moment that runtime has initialised, its handler swallows every
// SIGURG meant for another runtime. A runtime that loses one such signal never
// sends that thread another (it waits for the first to arrive), so the
// dispatcher must be back at once: hp_sigurg_hold, right after dlopen, takes
// the new handler aside and reinstalls the dispatcher. Until then the new
// runtime forwards what it receives to the dispatcher, as it has not yet
// initialised. hp_sigurg_release, after the first call into the copy has
// returned, adds the held handler to the ones the dispatcher calls: calling it
// earlier would forward back into the dispatcher.
static struct sigaction hp_held;
static int hp_holding;

int hp_sigurg_hold(void) {
	if (sigaction(SIGURG, NULL, &hp_held) != 0) return errno;
	hp_holding = 1;
	return hp_install();
}

int hp_sigurg_release(void) {
	if (!hp_holding) return 0;
	hp_holding = 0;
	return hp_add(&hp_held) < 0 ? -1 : 0;
}
