// gohost is the Go process of the end-to-end tests: a Go program that loads
// the test library with dlopen (LoadLibrary on Windows) and answers commands, one per line, like
// host.c. Its own runtime is one more Go runtime in the process, whose
// preemption the SIGURG dispatcher must keep working.
//
//	gohost [-also LIBRARY2] [-gc-while-loading D] [-lose-urg] LIBRARY
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

// lose_urg_then_open makes the host lose its SIGURG: the kernel discards
// every SIGURG until a thread of its own puts the host's handler back after
// wait_ms and then loads the library at path (opened_lib). The host's
// collection that starts meanwhile never receives its signal, and a Go
// runtime never sends that thread another.
static struct sigaction saved_urg;
static const char* lose_path;
static int lose_wait_ms;
static void* _Atomic opened_lib;
static void* restore_then_open(void* arg) {
	(void)arg;
	usleep(lose_wait_ms * 1000);
	sigaction(SIGURG, &saved_urg, NULL);
	void* l = lib_open(lose_path, 0);
	opened_lib = l != NULL ? l : (void*)-1;
	return NULL;
}
static void lose_urg_then_open(const char* path, int wait_ms) {
	struct sigaction ign;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGURG, &ign, &saved_urg);
	lose_path = path;
	lose_wait_ms = wait_ms;
	pthread_t t;
	pthread_create(&t, NULL, restore_then_open, NULL);
	pthread_detach(t);
}
static void* lost_urg_lib(void) { return opened_lib; }
#else
static void make_urg_key(void) {}
static void urg_when_thread_ends(void) {}
static void lose_urg_then_open(const char* path, int wait_ms) { (void)path; (void)wait_ms; }
static void* lost_urg_lib(void) { return NULL; }
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
	loseURG := flag.Bool("lose-urg", false, "lose the host's SIGURG during a collection, then load the library (Linux)")
	flag.Parse()
	C.make_urg_key()
	stopGC := collectUntil(*gcWhileLoading > 0)
	var lib unsafe.Pointer
	if *loseURG {
		lib = openAfterLostURG(flag.Arg(0))
	} else {
		lib = open(flag.Arg(0))
	}
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

// openAfterLostURG runs a collection of the host, while a goroutine spins,
// that loses its SIGURG (lose_urg_then_open), and returns the library at
// path, which a thread of the host loads meanwhile. The collection ends only
// if loading the library sends the host's thread a SIGURG again.
func openAfterLostURG(path string) unsafe.Pointer {
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	C.lose_urg_then_open(p, 300)
	took := hostGC()
	lib := C.lost_urg_lib()
	if lib == nil || uintptr(lib) == ^uintptr(0) {
		fmt.Fprintln(os.Stderr, "gohost: the collection ended, but the library is not loaded:", path)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gohost: the collection that lost its SIGURG ended after %v\n", took.Round(time.Millisecond))
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
