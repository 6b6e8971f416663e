//go:build linux || darwin

// The signal dispatcher. Every copy of the library is a Go runtime, and every
// Go runtime in a c-shared library installs its own handlers for SIGURG (to
// preempt goroutines) and for SIGSEGV, SIGBUS, SIGFPE and SIGPIPE (to turn a
// fault in Go code into a panic). A handler that finds the signal is not its
// runtime's forwards it to the handler installed before it. With many copies,
// that chain goes wrong in two ways, and the dispatcher replaces it with a flat
// table that the original copy owns:
//
//   - SIGURG: a runtime forwards only faults and SIGPIPE, so the newest
//     runtime swallows the preemption signals of all the others: their
//     goroutines in call-free loops can no longer be stopped, and a GC waits
//     for them forever. The dispatcher calls the SIGURG handler of every
//     runtime in turn. A runtime that receives a signal for a thread it does
//     not know returns at once, and one that does know the thread checks that
//     the signal landed on its own code before it preempts anything.
//
//   - Faults: a fault in an old copy used to travel down the chain of every
//     newer copy's handler, each nested on the one signal stack of the thread
//     (32 KiB, about 315 bytes a level). From about 104 newer copies the stack
//     ran out, and a nil dereference that the old copy would have recovered
//     killed the process ("fatal: morestack on gsignal"). The dispatcher gives
//     a fault to the copy whose code holds the faulting instruction, and any
//     other fault to the original copy, which does with it what Go does with
//     one runtime. A copy that declines a fault (it is in C code, say)
//     forwards it to the handler its runtime found when it started: this
//     dispatcher. That second call goes to the original copy's handler too.
//
//   - Several libraries, SIGURG: a library that uses hotpatch and starts
//     while another one's dispatcher is installed gives its SIGURG handlers to
//     that dispatcher's table, and keeps that dispatcher installed, through
//     hotpatch_signals_v3_peer. Each library with a table of its own used to
//     call the other's dispatcher as one more handler, and each of those
//     called all the others in turn: with 7 libraries and 8 rebuilds, one
//     SIGURG ran through every order of them, and took about 540 times as
//     long as before the first rebuild (ARCHITECTURE.md).
//
//   - Several libraries, faults: each library that uses hotpatch runs a
//     fault dispatcher of its own, and each puts its own back when it finds
//     another installed, so each ends up giving the faults outside its copies
//     to the other. A fault that neither owns (in a Go host's own code, say) then
//     went back and forth between them until the signal stack ran out. So a
//     dispatcher that a fault reaches again on the same thread moves one
//     step along a ladder that only goes to older handlers: first the
//     handler outside its copies, then the handler the process had before
//     this library's runtime started, then the default action.
//
// Every image (the original copy, a patch copy, another library) puts the
// dispatcher back in place of its runtime's SIGURG handler inside dlopen,
// before that runtime has started (hp_start): a Go runtime that loses one
// SIGURG never sends that thread another, so from the moment a runtime can
// send one, its handler must be in the table, and no runtime's bare handler
// may be installed to swallow the others'. A handler called before its
// runtime is ready forwards the signal to the handler it found installed,
// the dispatcher, and the dispatcher is never re-entered on one thread for
// one kind of signal: an unbounded recursion ends in "fatal: morestack on
// gsignal".

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <dlfcn.h>
#include <ucontext.h>
#ifdef __linux__
#include <dirent.h>
#include <link.h>
#include <stdlib.h>
#include <sys/syscall.h>
#endif
#ifdef __APPLE__
#include <mach-o/dyld.h>
#include <mach-o/getsect.h>
#endif

#define HP_MAX_COPIES 4096
#define HP_MAX_ACTIVE 256

// The fault signals, in the order of a copy's handlers.
static const int hp_faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGPIPE};
#define HP_NFAULTS 4

static int hp_fault_index(int sig) {
	for (int i = 0; i < HP_NFAULTS; i++) {
		if (hp_faults[i] == sig) return i;
	}
	return -1;
}

// A copy of the library, as the dispatcher knows it: where its code is, and
// its runtime's fault handlers. hp_copies[0] is the original copy.
struct hp_copy {
	uintptr_t lo, hi;
	struct sigaction fault[HP_NFAULTS];
};

static struct hp_copy hp_copies[HP_MAX_COPIES];
static atomic_int hp_copy_count;

// The handlers of faults outside every copy's code: the original copy's,
// until a host replaces the dispatcher with a handler of its own.
static struct sigaction hp_outside[HP_NFAULTS];

// The SIGURG handlers, called in turn. A handler from outside every
// library that uses hotpatch (the host's, such as a Go host's runtime) is
// marked outside: see hp_skips_outside.
struct hp_urg_handler {
	struct sigaction sa;
	int outside;
};
static struct hp_urg_handler hp_urg[HP_MAX_COPIES];
static atomic_int hp_urg_count;

// The handlers installed before this copy's Go runtime started, captured by
// a constructor that runs before the runtime's own initialisation. In a Go
// host these are the host runtime's; in another library's copy, its
// dispatcher.
static struct sigaction hp_before_go;
static int hp_before_go_ok;
static struct sigaction hp_before_go_fault[HP_NFAULTS];

__attribute__((constructor(101))) static void hp_capture_before_go(void) {
	hp_before_go_ok = sigaction(SIGURG, NULL, &hp_before_go) == 0;
	for (int i = 0; i < HP_NFAULTS; i++) {
		if (sigaction(hp_faults[i], NULL, &hp_before_go_fault[i]) != 0) {
			memset(&hp_before_go_fault[i], 0, sizeof hp_before_go_fault[i]);
			hp_before_go_fault[i].sa_handler = SIG_DFL;
		}
	}
}

// Threads inside the dispatcher, for SIGURG and for faults, and for each
// thread in the fault dispatcher, how far along the ladder its fault is.
static atomic_long hp_urg_active[HP_MAX_ACTIVE];
static atomic_long hp_fault_active[HP_MAX_ACTIVE];
static int hp_fault_step[HP_MAX_ACTIVE];

// The steps of the ladder, for a fault that reaches the dispatcher again.
enum {
	HP_STEP_ROUTED,  // given to the copy whose code faulted
	HP_STEP_OUTSIDE, // given to the handler of faults outside every copy
	HP_STEP_BEFORE,  // given to the handler from before this runtime
};

static long hp_thread_id(void) {
#ifdef __linux__
	return (long)syscall(SYS_gettid);
#else
	return (long)pthread_self();
#endif
}

// hp_active_slot returns the slot of thread tid, or -1 if it is not inside.
static int hp_active_slot(atomic_long *active, long tid) {
	for (int i = 0; i < HP_MAX_ACTIVE; i++) {
		if (atomic_load(&active[i]) == tid) return i;
	}
	return -1;
}

static int hp_is_active(atomic_long *active, long tid) { return hp_active_slot(active, tid) >= 0; }

static int hp_enter(atomic_long *active, long tid) {
	for (int i = 0; i < HP_MAX_ACTIVE; i++) {
		long free_slot = 0;
		if (atomic_compare_exchange_strong(&active[i], &free_slot, tid)) return i;
	}
	return -1;
}

static void hp_leave(atomic_long *active, int slot) {
	if (slot >= 0) atomic_store(&active[slot], 0);
}

static int hp_is_real(const struct sigaction *sa);
static void hp_dispatch_urg(int sig, siginfo_t *info, void *ctx);
static void hp_dispatch_fault(int sig, siginfo_t *info, void *ctx);
static int hp_add_urg(const struct sigaction *sa, int outside);

// A library's dispatcher, as other libraries that use hotpatch in the
// process find it.
struct hp_peer {
	void (*urg)(int, siginfo_t *, void *);                 // the SIGURG dispatcher
	int (*add_urg)(const struct sigaction *, int outside); // adds a handler to its table
	void (*fault)(int, siginfo_t *, void *);               // the fault dispatcher
	void (*lock)(void);                                    // its load lock (hp_load_lock)
	void (*unlock)(void);
};

// hp_load_lock is held from a patcher's check of the handlers to its hold of
// a new copy's (hp_signals_check, hp_signals_hold), by this library's
// patcher and by those of the libraries that follow it.
static pthread_mutex_t hp_load_lock = PTHREAD_MUTEX_INITIALIZER;
static void hp_lock_loads(void) { pthread_mutex_lock(&hp_load_lock); }
static void hp_unlock_loads(void) { pthread_mutex_unlock(&hp_load_lock); }

static const struct hp_peer hp_self_peer = {hp_dispatch_urg, hp_add_urg, hp_dispatch_fault, hp_lock_loads, hp_unlock_loads};

// hotpatch_signals_v3_peer is how another library that uses hotpatch finds
// this library's SIGURG dispatcher (hp_peer_of).
__attribute__((visibility("default"))) const struct hp_peer *hotpatch_signals_v3_peer(void) { return &hp_self_peer; }

// The dispatcher whose table holds this library's SIGURG handlers: its own,
// or the one of the library whose dispatcher was installed when this image
// started. It is set once, inside dlopen (hp_start). Only a library that
// follows none installs its own SIGURG dispatcher, so a leader never follows
// another.
static _Atomic(const struct hp_peer *) hp_leader = &hp_self_peer;

static const struct hp_peer *hp_get_leader(void) { return atomic_load(&hp_leader); }

static void hp_call(const struct sigaction *h, int sig, siginfo_t *info, void *ctx) {
	if (h->sa_flags & SA_SIGINFO) {
		if (h->sa_sigaction != NULL) h->sa_sigaction(sig, info, ctx);
	} else if (h->sa_handler != SIG_DFL && h->sa_handler != SIG_IGN) {
		h->sa_handler(sig);
	} else if (h->sa_handler == SIG_DFL) {
		// The default action: a fault then happens again and ends the
		// process, as it would have without any Go runtime.
		signal(sig, SIG_DFL);
		if (sig == SIGPIPE) raise(sig);
	}
}

// hp_skips_outside reports whether the SIGURG that info describes must not
// reach the handlers from outside: a signal one thread sent to another
// (tgkill, as every Go runtime preempts) that arrived on a thread with no
// alternate signal stack. Every Go runtime gives each of its threads one
// while the thread is its own (minitSignalStack), so on such a thread the
// signal is no live Go host runtime's. But it may be a dead one's: a Go host
// that ends a thread blocks every signal and frees the thread's M and signal
// stack (mexit), and a SIGURG its collector had just sent stays pending. Then
// the thread's exit runs the destructor of each library runtime that the
// thread called, whose dropm restores the signal mask the thread had when it
// called in, and the pending SIGURG arrives. A Go runtime's own handler would
// never see it there, since a library's runtime swallows SIGURG; called by
// the dispatcher, the host's handler took the freed M for a live one and died
// on its nil signal stack (a segmentation fault with no Go traceback, in one
// of about five full benchmark runs; TestGoHostThreadExits).
// Where SI_TKILL is unknown (macOS, whose Go runtimes signal a thread with
// pthread_kill), nothing is skipped: hotpatch is not tested there.
static int hp_skips_outside(const siginfo_t *info) {
#ifdef SI_TKILL
	if (info == NULL || info->si_code != SI_TKILL) return 0;
	stack_t ss;
	return sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE);
#else
	(void)info;
	return 0;
#endif
}

static void hp_dispatch_urg(int sig, siginfo_t *info, void *ctx) {
	int saved_errno = errno;
	long tid = hp_thread_id();
	if (hp_is_active(hp_urg_active, tid)) {
		errno = saved_errno;
		return;
	}
	int slot = hp_enter(hp_urg_active, tid);
	int n = atomic_load(&hp_urg_count), skip = -1;
	for (int i = 0; i < n; i++) {
		if (hp_urg[i].outside) {
			if (skip < 0) skip = hp_skips_outside(info);
			if (skip) continue;
		}
		hp_call(&hp_urg[i].sa, sig, info, ctx);
	}
	hp_leave(hp_urg_active, slot);
	errno = saved_errno;
}

// hp_pc returns the address of the instruction that the signal interrupted.
static uintptr_t hp_pc(void *ctx) {
	ucontext_t *uc = ctx;
#if defined(__linux__) && defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__linux__) && defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#elif defined(__APPLE__) && defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext->__ss.__rip;
#elif defined(__APPLE__) && defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext->__ss.__pc;
#else
	(void)uc;
	return 0;
#endif
}

// hp_refault handles a fault that came back to the dispatcher on the thread
// in slot: a handler it gave the fault to declined it and forwarded it here,
// directly or through other handlers. Each return moves one step further.
static void hp_refault(int slot, int fi, int sig, siginfo_t *info, void *ctx) {
	int step = slot >= 0 ? hp_fault_step[slot] : HP_STEP_BEFORE;
	if (step == HP_STEP_ROUTED) {
		hp_fault_step[slot] = HP_STEP_OUTSIDE;
		hp_call(&hp_outside[fi], sig, info, ctx);
	} else if (step == HP_STEP_OUTSIDE) {
		hp_fault_step[slot] = HP_STEP_BEFORE;
		hp_call(&hp_before_go_fault[fi], sig, info, ctx);
	} else if (sig != SIGPIPE) {
		// Every handler declined it: the default action, as with no Go
		// runtime at all. A broken pipe that no handler wants is left
		// alone, as Go leaves it: the write fails with EPIPE.
		signal(sig, SIG_DFL);
	}
}

static void hp_dispatch_fault(int sig, siginfo_t *info, void *ctx) {
	int saved_errno = errno;
	int fi = hp_fault_index(sig);
	long tid = hp_thread_id();
	int active = hp_active_slot(hp_fault_active, tid);
	if (active >= 0) {
		hp_refault(active, fi, sig, info, ctx);
		errno = saved_errno;
		return;
	}
	int slot = hp_enter(hp_fault_active, tid);
	uintptr_t pc = hp_pc(ctx);
	const struct sigaction *h = &hp_outside[fi];
	int step = HP_STEP_OUTSIDE;
	int n = atomic_load(&hp_copy_count);
	for (int i = 0; i < n; i++) {
		if (hp_copies[i].lo <= pc && pc < hp_copies[i].hi) {
			h = &hp_copies[i].fault[fi];
			step = HP_STEP_ROUTED;
			break;
		}
	}
	if (slot >= 0) hp_fault_step[slot] = step;
	hp_call(h, sig, info, ctx);
	hp_leave(hp_fault_active, slot);
	errno = saved_errno;
}

static int hp_is_dispatcher(const struct sigaction *sa) {
	return (sa->sa_flags & SA_SIGINFO) && (sa->sa_sigaction == hp_dispatch_urg || sa->sa_sigaction == hp_dispatch_fault || sa->sa_sigaction == hp_get_leader()->urg);
}

static int hp_is_real(const struct sigaction *sa) {
	if (sa->sa_flags & SA_SIGINFO) return sa->sa_sigaction != NULL && !hp_is_dispatcher(sa);
	return sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN;
}

// hp_urg_lock orders the additions to the SIGURG table: the patchers of
// other libraries add theirs too.
static atomic_flag hp_urg_lock = ATOMIC_FLAG_INIT;

// hp_add_urg adds sa to the SIGURG handlers, in its leader's table; outside
// says that it is not the handler of a copy of any
// library that uses hotpatch.
static int hp_add_urg(const struct sigaction *sa, int outside) {
	if (!hp_is_real(sa)) return 0;
	while (atomic_flag_test_and_set(&hp_urg_lock)) {
	}
	const struct hp_peer *leader = hp_get_leader();
	if (leader != &hp_self_peer) {
		atomic_flag_clear(&hp_urg_lock);
		return leader->add_urg(sa, outside);
	}
	int rc = 0, n = atomic_load(&hp_urg_count);
	for (int i = 0; i < n; i++) {
		if (hp_urg[i].sa.sa_sigaction == sa->sa_sigaction && hp_urg[i].sa.sa_handler == sa->sa_handler) goto done;
	}
	if (n >= HP_MAX_COPIES) {
		rc = -1;
		goto done;
	}
	hp_urg[n].sa = *sa;
	hp_urg[n].outside = outside;
	atomic_store(&hp_urg_count, n + 1);
done:
	atomic_flag_clear(&hp_urg_lock);
	return rc;
}

// hp_is_self reports whether info, from dladdr, describes this image.
static int hp_is_self(const Dl_info *info) {
	Dl_info self;
	return dladdr((void *)&hp_self_peer, &self) != 0 && self.dli_fbase == info->dli_fbase;
}

// hp_image_peer returns the dispatcher of the loaded image that holds sa's
// handler, if that image is a library that uses hotpatch (an original copy
// or a patch copy, of this library or another), or NULL.
static const struct hp_peer *hp_image_peer(const struct sigaction *sa) {
	if (!(sa->sa_flags & SA_SIGINFO) || sa->sa_sigaction == NULL) return NULL;
	Dl_info info;
	if (dladdr((void *)sa->sa_sigaction, &info) == 0 || info.dli_fname == NULL || info.dli_fname[0] == 0) return NULL;
	if (hp_is_self(&info)) return &hp_self_peer;
	void *lib = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	if (lib == NULL) return NULL;
	const struct hp_peer *(*get)(void) = (const struct hp_peer *(*)(void))dlsym(lib, "hotpatch_signals_v3_peer");
	// dlsym on the main program searches every library loaded with
	// RTLD_GLOBAL too: the symbol must be the image's own.
	Dl_info got;
	if (get != NULL && (dladdr((void *)get, &got) == 0 || got.dli_fbase != info.dli_fbase)) get = NULL;
	const struct hp_peer *p = get != NULL ? get() : NULL;
	dlclose(lib);
	return p;
}

// hp_peer_of returns the library whose dispatcher sa is, for SIGURG or for
// faults, if it is another library's that uses hotpatch, or NULL.
static const struct hp_peer *hp_peer_of(const struct sigaction *sa) {
	if (hp_is_dispatcher(sa)) return NULL;
	const struct hp_peer *p = hp_image_peer(sa);
	return p != NULL && (p->urg == sa->sa_sigaction || p->fault == sa->sa_sigaction) ? p : NULL;
}

// hp_install installs the dispatcher for sig, and puts the handler it
// replaced in replaced, if not NULL. The two happen in one sigaction call: a
// handler installed between a read and a write (a host's, say) would be
// lost, and its runtime would never receive its SIGURG.
static int hp_install(int sig, struct sigaction *replaced) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = sig == SIGURG ? hp_get_leader()->urg : hp_dispatch_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(sig, &sa, replaced) != 0) return errno;
	return 0;
}

static int hp_install_faults(void) {
	int rc = 0;
	for (int i = 0; rc == 0 && i < HP_NFAULTS; i++) rc = hp_install(hp_faults[i], NULL);
	return rc;
}

// hp_add_replaced adds the SIGURG handler that the dispatcher replaced to
// the table, and reports whether it is a host's: in no image of a library
// that uses hotpatch. Another library's dispatcher with a table of its own
// is added as one handler: it calls its own table.
static int hp_add_replaced(const struct sigaction *old) {
	if (!hp_is_real(old)) return 0;
	const struct hp_peer *p = hp_peer_of(old);
	if (p != NULL) {
		if (p != hp_get_leader()) hp_add_urg(old, 0);
		return 0;
	}
	int host = hp_image_peer(old) == NULL;
	hp_add_urg(old, host);
	return host;
}

// hp_code_range finds the executable segments of the loaded image that
// holds addr.
#ifdef __linux__
struct hp_range_query {
	uintptr_t addr, lo, hi;
	int found;
};

static int hp_range_cb(struct dl_phdr_info *info, size_t size, void *data) {
	(void)size;
	struct hp_range_query *q = data;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	int holds = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
		uintptr_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
		if (s < lo) lo = s;
		if (e > hi) hi = e;
		if (s <= q->addr && q->addr < e) holds = 1;
	}
	if (!holds) return 0;
	q->lo = lo;
	q->hi = hi;
	q->found = 1;
	return 1;
}

static int hp_code_range(uintptr_t addr, uintptr_t *lo, uintptr_t *hi) {
	struct hp_range_query q = {addr, 0, 0, 0};
	dl_iterate_phdr(hp_range_cb, &q);
	*lo = q.lo;
	*hi = q.hi;
	return q.found ? 0 : -1;
}
#else
static int hp_code_range(uintptr_t addr, uintptr_t *lo, uintptr_t *hi) {
	Dl_info info;
	if (dladdr((void *)addr, &info) == 0) return -1;
	unsigned long size = 0;
	uint8_t *text = getsegmentdata((const struct mach_header_64 *)info.dli_fbase, "__TEXT", &size);
	if (text == NULL) return -1;
	*lo = (uintptr_t)text;
	*hi = (uintptr_t)text + size;
	return 0;
}
#endif

// hp_add_copy records the copy whose code holds addr, with its runtime's
// fault handlers: faults, or if NULL, the handlers that are installed now.
static int hp_add_copy(uintptr_t addr, const struct sigaction *faults) {
	int n = atomic_load(&hp_copy_count);
	if (n >= HP_MAX_COPIES) return -1;
	struct hp_copy *c = &hp_copies[n];
	if (hp_code_range(addr, &c->lo, &c->hi) != 0) return -2;
	for (int i = 0; i < HP_NFAULTS; i++) {
		if (faults != NULL) {
			c->fault[i] = faults[i];
		} else if (sigaction(hp_faults[i], NULL, &c->fault[i]) != 0) {
			return errno;
		}
		// A runtime that left a signal alone has no handler for it: its
		// faults go where the others outside every copy go.
		if (hp_is_dispatcher(&c->fault[i])) c->fault[i] = hp_outside[i];
	}
	atomic_store(&hp_copy_count, n + 1);
	return 0;
}

// The fault handlers of this image's runtime, as hp_start found them.
static struct sigaction hp_go_fault[HP_NFAULTS];
static int hp_go_fault_ok;

// hp_start runs inside dlopen, right after the Go runtime's own synchronous
// initialisation has installed its handlers (a constructor without a
// priority runs after the Go runtime's, with every linker hotpatch builds
// with). It makes this image follow the library whose dispatcher was
// installed before it, if there is one, and puts the dispatcher back in
// place of its runtime's SIGURG handler, which goes into the table at once.
// So does every image: the original copy, another library that uses
// hotpatch, and a patch copy, whose patcher holds the load lock and has just
// put the dispatcher back (hp_signals_check).
//
// On Linux, that happens earlier still, and the runtime's SIGURG handler is
// never installed at all: the runtime installs its handlers through the C
// library's sigaction (runtime/cgo's x_cgo_sigaction, which sanitizers rely
// on), this image is linked with --wrap=sigaction (signals_linux.go), and
// __wrap_sigaction puts the handler in the table instead.
//
// It used to happen later, as the original copy's packages initialised
// (hp_signals_adopt), and a patch copy's SIGURG handler joined the table once
// a first call into the copy had returned. Meanwhile,
// the runtime ran: its own SIGURG went to whatever handler was installed,
// and a runtime that loses one never sends that thread another. With four
// libraries loaded before any was called, one of their collections waited
// forever in about one run of five (TestManyLibrariesTogether), and a
// collection during a copy's package initialisation waited for good
// (TestEarlyCollection). Until the runtime is ready, its handler forwards
// every SIGURG to the dispatcher, which ignores it there (hp_dispatch_urg).
static int hp_started;

// hp_started_early says that __wrap_sigaction took this image's runtime's
// SIGURG handler before the runtime could install it.
static int hp_started_early;

// hp_resend_urg sends a SIGURG to every thread of the process. Without
// --wrap=sigaction, a window stays before hp_start: the Go runtime's own
// constructor starts the runtime on a thread of its own, and a runtime that
// runs before hp_start swallows, with its own handler, the SIGURG meant for
// the others (a Go host's collection waited forever so, once in CI,
// TestGoHostCollectsWhileLoading). Every Go runtime takes a SIGURG that
// nobody sent as a chance to preempt, and clears the thread's pending
// signal: a thread whose SIGURG was lost gets one again. That costs every
// thread of the process a call of every runtime's handler, at every load:
// with 100 copies, 42 ms of CPU a load against 9 ms without, which is why
// the wrap comes first.
static void hp_resend_urg(void) {
#ifdef __linux__
	DIR *d = opendir("/proc/self/task");
	if (d == NULL) return;
	pid_t pid = getpid();
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);
		if (tid > 0 && *end == 0) syscall(SYS_tgkill, pid, tid, SIGURG);
	}
	closedir(d);
#endif
}

// hp_start_urg makes this image follow the library whose dispatcher was
// installed before its runtime, if there is one, or else records the
// handler that was, and installs the dispatcher with go_urg, this image's
// runtime's SIGURG handler, in the table; or if go_urg is NULL, with the
// handler that the dispatcher replaces, which is then the runtime's.
static int hp_start_urg(const struct sigaction *go_urg) {
	const struct hp_peer *leader = hp_before_go_ok ? hp_peer_of(&hp_before_go) : NULL;
	if (leader != NULL && leader->urg == hp_before_go.sa_sigaction) {
		atomic_store(&hp_leader, leader);
	} else if (hp_before_go_ok) {
		hp_add_replaced(&hp_before_go);
	}
	if (go_urg != NULL) hp_add_replaced(go_urg);
	struct sigaction replaced;
	if (hp_install(SIGURG, &replaced) != 0) return -1;
	hp_started = 1;
	hp_add_replaced(&replaced);
	return 0;
}

#ifdef __linux__
int __real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

// hp_owns reports whether sa's handler is code of this image.
static int hp_owns(const struct sigaction *sa) {
	void *h = (sa->sa_flags & SA_SIGINFO) ? (void *)sa->sa_sigaction : (void *)sa->sa_handler;
	Dl_info info;
	return dladdr(h, &info) != 0 && hp_is_self(&info);
}

// __wrap_sigaction is every sigaction call of this image, the Go runtime's
// included (ld --wrap). The first SIGURG handler of this image that anything
// installs before hp_start is its runtime's, inside the runtime's
// constructor: it goes into the dispatcher's table, and the dispatcher is
// installed instead. If the dispatcher cannot be, the handler is installed
// as asked, and hp_start takes it as it would without the wrap: a runtime
// whose sigaction fails ends the process.
__attribute__((visibility("hidden"))) int __wrap_sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
	if (sig == SIGURG && act != NULL && !hp_started && hp_is_real(act) && hp_owns(act)) {
		struct sigaction before;
		if (__real_sigaction(sig, NULL, &before) == 0 && hp_start_urg(act) == 0) {
			hp_started_early = 1;
			if (old != NULL) *old = before;
			return 0;
		}
	}
	return __real_sigaction(sig, act, old);
}
#endif

__attribute__((constructor)) static void hp_start(void) {
	if (!hp_started && hp_start_urg(NULL) == 0) hp_resend_urg();
	hp_go_fault_ok = 1;
	for (int i = 0; i < HP_NFAULTS; i++) {
		if (sigaction(hp_faults[i], NULL, &hp_go_fault[i]) != 0) hp_go_fault_ok = 0;
	}
}

// hp_signals_adopt records the original copy, whose code holds addr, with
// its runtime's fault handlers, and installs the fault dispatcher. It puts
// the SIGURG dispatcher back too, in case something replaced it since
// hp_start. The original copy calls it as soon as its packages initialise.
int hp_signals_adopt(uintptr_t addr) {
	if (!hp_started) hp_start();
	int rc = hp_add_copy(addr, hp_go_fault_ok ? hp_go_fault : NULL);
	if (rc != 0) return rc;
	for (int i = 0; i < HP_NFAULTS; i++) hp_outside[i] = hp_copies[0].fault[i];
	struct sigaction replaced;
	if ((rc = hp_install(SIGURG, &replaced)) != 0) return rc;
	hp_add_replaced(&replaced);
	return hp_install_faults();
}

// hp_signals_hold records a patch copy that dlopen has just loaded, whose
// code holds addr, with the fault handlers its runtime installed, and puts
// the fault dispatcher back. Until the copy's runtime is ready, it forwards
// the faults it receives to the dispatcher, which gives them to the original
// copy. The copy's own hp_start has already put the SIGURG dispatcher back
// and its runtime's SIGURG handler in the table; if it could not, the hold
// does.
int hp_signals_hold(uintptr_t addr) {
	int rc = hp_add_copy(addr, NULL);
	struct sigaction replaced;
	int irc = hp_install(SIGURG, &replaced);
	if (irc == 0) {
		hp_add_replaced(&replaced);
		irc = hp_install_faults();
	}
	return rc != 0 ? rc : irc;
}

// hp_signals_check returns a mask of the signals whose handler the host
// replaced, bit 0 for SIGURG and bit i+1 for the i-th fault signal, and puts
// the dispatcher back: a handler that replaced it joins the SIGURG handlers,
// or handles the faults outside every copy's code. The dispatcher of another
// library that uses hotpatch is treated so too, but is no host's.
int hp_signals_check(void) {
	int mask = 0;
	struct sigaction cur;
	if (hp_install(SIGURG, &cur) == 0 && hp_add_replaced(&cur)) mask |= 1;
	for (int i = 0; i < HP_NFAULTS; i++) {
		if (sigaction(hp_faults[i], NULL, &cur) == 0 && !hp_is_dispatcher(&cur)) {
			if (hp_peer_of(&cur) == NULL) mask |= 1 << (i + 1);
			hp_outside[i] = cur;
			hp_install(hp_faults[i], NULL);
		}
	}
	return mask;
}

// hp_signals_early reports whether this image's runtime never had its own
// SIGURG handler installed (__wrap_sigaction).
int hp_signals_early(void) { return hp_started_early; }

// hp_signals_follower reports whether this library's SIGURG handlers are in
// another library's dispatcher's table.
int hp_signals_follower(void) { return hp_get_leader() != &hp_self_peer; }

// hp_signals_lock takes the load lock of this library's leader;
// hp_signals_unlock lets it go.
void hp_signals_lock(void) { hp_get_leader()->lock(); }

void hp_signals_unlock(void) { hp_get_leader()->unlock(); }
