// gohost is the Go process of the end-to-end tests: a Go program that loads
// the test library with dlopen (LoadLibrary on Windows) and answers commands, one per line, like
// host.c. Its own runtime is one more Go runtime in the process, whose
// preemption the SIGURG dispatcher must keep working.
//
//	gohost [-also LIBRARY2] [-gc-while-loading D] [-watch-urg] LIBRARY
package main

/*
#cgo linux LDFLAGS: -ldl
#cgo CFLAGS: -I${SRCDIR}/..
#include <stdlib.h>
#include "portable.h"

static void* open_lib(const char* path) { return lib_open(path, 0); }
static const char* open_error(void) { return lib_error(); }
static void* sym(void* lib, const char* name) { return lib_sym(lib, name); }
static long long call_ll_ll(void* f, long long x) { return ((long long (*)(long long))f)(x); }
static long long call_ll(void* f) { return ((long long (*)(void))f)(); }
static int call_int(void* f) { return ((int (*)(void))f)(); }

// A destructor of a thread-specific value, created before the library is
// loaded, so that it runs before the destructors of the library's runtimes
// when a thread ends.
#ifdef __linux__
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static pthread_key_t urg_key;
static void urg_now(void* v) { (void)v; syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGURG); }
static void make_urg_key(void) { pthread_key_create(&urg_key, urg_now); }
static void urg_when_thread_ends(void) { pthread_setspecific(urg_key, (void*)1); }

// watch_urg starts a thread that keeps reading the SIGURG handler, with no
// lock that dlopen holds, and records each one it sees that is not the
// host's own; urg_seen says how many it saw. A library's Go runtime must
// never have its own SIGURG handler installed, not even for the moment
// between its installing it and hotpatch putting the dispatcher back:
// meanwhile it swallows the SIGURG of every other runtime.
#include <stdatomic.h>
#include <sys/prctl.h>
#include <time.h>
#define MAX_SEEN 16
static void* seen[MAX_SEEN];
static atomic_int nseen;
static void* host_urg;
static void* urg_of(const struct sigaction* sa) { return (sa->sa_flags & SA_SIGINFO) ? (void*)sa->sa_sigaction : (void*)sa->sa_handler; }
static void* watch_urg_loop(void* arg) {
	(void)arg;
	prctl(PR_SET_TIMERSLACK, 1UL);
	struct timespec pause = {0, 5000};
	for (;;) {
		struct sigaction cur;
		if (sigaction(SIGURG, NULL, &cur) == 0) {
			void* h = urg_of(&cur);
			int n = atomic_load(&nseen), known = h == host_urg || h == (void*)SIG_DFL || h == (void*)SIG_IGN;
			for (int i = 0; i < n && !known; i++) known = seen[i] == h;
			if (!known && n < MAX_SEEN) {
				seen[n] = h;
				atomic_store(&nseen, n + 1);
			}
		}
		nanosleep(&pause, NULL);
	}
	return NULL;
}
static void watch_urg(void) {
	struct sigaction cur;
	sigaction(SIGURG, NULL, &cur);
	host_urg = urg_of(&cur);
	pthread_t t;
	pthread_create(&t, NULL, watch_urg_loop, NULL);
	pthread_detach(t);
}
static int urg_seen(void) { return atomic_load(&nseen); }
#else
static void make_urg_key(void) {}
static void urg_when_thread_ends(void) {}
static void watch_urg(void) {}
static int urg_seen(void) { return -1; }
#endif
*/
import "C"

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"
)

func main() {
	also := flag.String("also", "", "a second library, whose Compute the command compute2 calls")
	gcWhileLoading := flag.Duration("gc-while-loading", 0, "run collections of the host, each while a goroutine spins, from before the library loads until D after")
	watchURG := flag.Bool("watch-urg", false, "record every SIGURG handler installed from before the library loads on, for urg-seen (Linux)")
	flag.Parse()
	C.make_urg_key()
	if *watchURG {
		C.watch_urg()
	}
	stopGC := collectUntil(*gcWhileLoading > 0)
	lib := open(flag.Arg(0))
	if *gcWhileLoading > 0 {
		time.Sleep(*gcWhileLoading)
		fmt.Fprintf(os.Stderr, "gohost: %d collections while the library loaded\n", stopGC())
	}
	sym := func(name string) unsafe.Pointer { return symbol(lib, name) }
	compute, spinGC := sym("Compute"), sym("SpinGC")
	var compute2 unsafe.Pointer
	if *also != "" {
		compute2 = symbol(open(*also), "Compute")
	}
	nilDeref, nilDerefMarked, brokenPipe := sym("NilDeref"), sym("NilDerefMarked"), sym("BrokenPipe")
	// inCopy calls name in the library at path, which the patcher has
	// loaded already: a patch copy.
	inCopy := func(path, name string) int {
		p := C.CString(path)
		defer C.free(unsafe.Pointer(p))
		l := C.open_lib(p)
		if l == nil {
			return -1
		}
		n := C.CString(name)
		defer C.free(unsafe.Pointer(n))
		f := C.sym(l, n)
		if f == nil {
			return -1
		}
		return int(C.call_int(f))
	}

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		word, arg, _ := strings.Cut(in.Text(), " ")
		switch word {
		case "compute":
			x, _ := strconv.ParseInt(arg, 10, 64)
			fmt.Println(int64(C.call_ll_ll(compute, C.longlong(x))))
		case "compute2":
			x, _ := strconv.ParseInt(arg, 10, 64)
			fmt.Println(int64(C.call_ll_ll(compute2, C.longlong(x))))
		case "spingc":
			fmt.Println(int64(C.call_ll(spinGC)))
		case "urg-seen":
			fmt.Println(C.urg_seen())
		case "hostgc":
			fmt.Println(hostGC().Microseconds())
		case "nilderef":
			fmt.Println(int(C.call_int(nilDeref)))
		case "nilderef-thread":
			// A thread of the host's runtime that never called the library.
			done := make(chan int)
			go func() {
				runtime.LockOSThread()
				done <- int(C.call_int(nilDeref))
			}()
			fmt.Println(<-done)
		case "nilderef-marked":
			fmt.Println(int(C.call_int(nilDerefMarked)))
		case "nilderef-copy":
			fmt.Println(inCopy(arg, "NilDeref"))
		case "brokenpipe":
			fmt.Println(int(C.call_int(brokenPipe)))
		case "brokenpipe-copy":
			fmt.Println(inCopy(arg, "BrokenPipe"))
		case "host-nilderef":
			fmt.Println(hostNilDeref())
		case "host-brokenpipe":
			fmt.Println(hostBrokenPipe())
		case "thread-exits":
			n, _ := strconv.Atoi(arg)
			fmt.Println(threadExits(n, func() { C.call_ll_ll(compute, 1) }))
		case "quit":
			return
		default:
			fmt.Println("unknown command", word)
		}
	}
}

// open loads the library at path, or exits.
func open(path string) unsafe.Pointer {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	lib := C.open_lib(p)
	if lib == nil {
		fmt.Fprintln(os.Stderr, "gohost:", path+":", C.GoString(C.open_error()))
		os.Exit(1)
	}
	return lib
}

// symbol looks name up in lib, or exits.
func symbol(lib unsafe.Pointer, name string) unsafe.Pointer {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	p := C.sym(lib, n)
	if p == nil {
		fmt.Fprintln(os.Stderr, "gohost: no symbol", name)
		os.Exit(1)
	}
	return p
}

// hostNilDeref dereferences nil in the host's own Go code, outside every
// copy of every library, and returns 1 once the host's runtime has turned
// the fault into a panic and recovered it.
func hostNilDeref() (got int) {
	defer func() {
		if recover() != nil {
			got = 1
		}
	}()
	var p *int
	return *p
}

// hostBrokenPipe writes to a pipe whose reader is gone from the host's own
// Go code, and returns 1 once the write has failed: the SIGPIPE it raises
// belongs to the host's runtime, which ignores it.
func hostBrokenPipe() int {
	r, w, err := os.Pipe()
	if err != nil {
		return -1
	}
	r.Close()
	_, err = w.Write([]byte("x"))
	w.Close()
	if err != nil {
		return 1
	}
	return 0
}

// threadExits ends n threads of the host's runtime, each of which called
// the library: a goroutine that locks its thread and returns without
// unlocking it takes the thread with it. As each thread ends, with every
// signal blocked by the host's runtime, which has freed the thread's M, a
// destructor of the host sends the thread a SIGURG, as the host's collector
// does to a thread it preempts just as the thread ends. The signal stays
// pending until the library's runtime releases its own M for the thread
// (dropm) and restores the thread's signal mask. It returns the number of
// threads ended.
func threadExits(n int, call func()) int {
	for range n {
		done := make(chan bool)
		go func() {
			runtime.LockOSThread()
			call()
			C.urg_when_thread_ends()
			close(done)
		}()
		<-done
	}
	return n
}

var spin atomic.Int64

// collectUntil runs hostGC over and over, if run, until the returned
// function is called, which returns how many collections ended.
func collectUntil(run bool) func() int {
	if !run {
		return func() int { return 0 }
	}
	var stop atomic.Bool
	done := make(chan int)
	go func() {
		n := 0
		for !stop.Load() {
			hostGC()
			n++
		}
		done <- n
	}()
	return func() int {
		stop.Store(true)
		return <-done
	}
}

// hostGC runs a garbage collection of the host's runtime while a goroutine
// spins in a loop without calls: it ends only if the host still receives its
// SIGURG.
func hostGC() time.Duration {
	var stop atomic.Bool
	go func() {
		for !stop.Load() {
			spin.Add(1)
		}
	}()
	for spin.Load() == 0 {
		runtime.Gosched()
	}
	start := time.Now()
	runtime.GC()
	stop.Store(true)
	return time.Since(start)
}
