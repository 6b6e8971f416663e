// gohost is the Go process of the end-to-end tests: a Go program that loads
// the test library with dlopen (LoadLibrary on Windows) and answers commands, one per line, like
// host.c. Its own runtime is one more Go runtime in the process, whose
// preemption the SIGURG dispatcher must keep working.
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
*/
import "C"

import (
	"bufio"
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
	path := C.CString(os.Args[1])
	lib := C.open_lib(path)
	C.free(unsafe.Pointer(path))
	if lib == nil {
		fmt.Fprintln(os.Stderr, "gohost:", C.GoString(C.open_error()))
		os.Exit(1)
	}
	sym := func(name string) unsafe.Pointer {
		n := C.CString(name)
		defer C.free(unsafe.Pointer(n))
		p := C.sym(lib, n)
		if p == nil {
			fmt.Fprintln(os.Stderr, "gohost: no symbol", name)
			os.Exit(1)
		}
		return p
	}
	compute, spinGC := sym("Compute"), sym("SpinGC")
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
		case "quit":
			return
		default:
			fmt.Println("unknown command", word)
		}
	}
}

var spin atomic.Int64

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
