//go:build linux

// Package main is the library that the benchmark harness loads: the same
// function marked and unmarked, a checked function, and loops that time them
// from inside the library, in Go, as a user's code would call them.
package main

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>

static long long call_add(void* f, long long a, long long b) {
	return ((long long (*)(long long, long long))f)(a, b);
}

static int open_and_call(const char* path) {
	void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) return -1;
	int (*version)(void) = (int (*)(void))dlsym(lib, "HPVersion");
	return version ? version() : -1;
}
*/
import "C"

import (
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	_ "github.com/hotpatch-go/hotpatch"
	"github.com/vmihailenco/msgpack/v5"
)

const version = 1

//go:noinline
func addPlain(a, b int64) int64 { return a + b }

//hotpatch:func
//go:noinline
func addMarked(a, b int64) int64 { return a + b }

//hotpatch:func
func currentVersion() int32 { return version }

// Payload is what the checked-mode figures pass.
type Payload struct {
	Name   string
	Values []int64
	Tags   map[string]string
	Pos    struct{ X, Y float64 }
}

//hotpatch:func checked
func echo(p Payload) Payload { return p }

var payload = Payload{Name: "player-one", Values: []int64{1, 2, 3, 4, 5, 6, 7, 8}, Tags: map[string]string{"team": "red", "class": "mage"}}

// Record is a struct with strings, which both modes carry: the default
// mode as plain data, checked mode as MessagePack.
type Record struct {
	Name, Title string
	Level       int64
}

var record = Record{Name: "ann", Title: "the brave", Level: 7}

//hotpatch:func
func recordPlain(r Record) Record { return r }

//hotpatch:func checked
func recordChecked(r Record) Record { return r }

//hotpatch:func checked
//go:noinline
func addChecked(a, b int64) int64 { return a + b }

var sink int64

// firstSeen[v] is when a call of a marked function first ran the body of
// version v, in Unix nanoseconds, on whichever thread made the call: the end
// of the reload to version v.
var firstSeen [1 << 12]atomic.Int64

// observe calls a marked function, records when its version first answered,
// and returns the version.
func observe() int32 {
	v := currentVersion()
	if seen := &firstSeen[int(v)%len(firstSeen)]; seen.Load() == 0 {
		seen.CompareAndSwap(0, time.Now().UnixNano())
	}
	return v
}

// HPVersion returns the version that answers a call of a marked function.
//
//export HPVersion
func HPVersion() C.int { return C.int(observe()) }

// HPFirstSeen returns when version v first answered a call, in Unix
// nanoseconds, or 0.
//
//export HPFirstSeen
func HPFirstSeen(v C.int) C.longlong { return C.longlong(firstSeen[int(v)%len(firstSeen)].Load()) }

// HPLoadInside links dst to src, loads dst and calls it, from Go code of
// this library: the reload baseline, taken inside this runtime, which the
// patcher shares, rather than in the harness's. It returns the time taken in
// nanoseconds, or -1.
//
//export HPLoadInside
func HPLoadInside(src, dst *C.char) C.longlong {
	start := time.Now()
	if err := os.Link(C.GoString(src), C.GoString(dst)); err != nil {
		return -1
	}
	if C.open_and_call(dst) < 0 {
		return -1
	}
	return C.longlong(time.Since(start).Nanoseconds())
}

// BenchObserve calls a marked function n times, as a busy host thread.
//
//export BenchObserve
func BenchObserve(n C.longlong) {
	for i := C.longlong(0); i < n; i++ {
		observe()
	}
}

// HPAdd is the exported function that the cross-runtime baseline calls.
//
//export HPAdd
func HPAdd(a, b C.longlong) C.longlong { return C.longlong(addPlain(int64(a), int64(b))) }

func timed(n C.longlong, body func(i int64) int64) C.longlong {
	start := time.Now()
	var s int64
	for i := int64(0); i < int64(n); i++ {
		s += body(i)
	}
	sink = s
	return C.longlong(time.Since(start).Nanoseconds())
}

// BenchPlain times n calls of the unmarked function. The loop is written out,
// not passed to timed, so that the figure holds nothing but the call.
//
//export BenchPlain
func BenchPlain(n C.longlong) C.longlong {
	start := time.Now()
	var s int64
	for i := int64(0); i < int64(n); i++ {
		s += addPlain(i, 1)
	}
	sink = s
	return C.longlong(time.Since(start).Nanoseconds())
}

// BenchMarked times n calls of the marked function: unpatched before the
// first reload, patched after.
//
//export BenchMarked
func BenchMarked(n C.longlong) C.longlong {
	start := time.Now()
	var s int64
	for i := int64(0); i < int64(n); i++ {
		s += addMarked(i, 1)
	}
	sink = s
	return C.longlong(time.Since(start).Nanoseconds())
}

// BenchCross times n hand-written calls through a C function pointer into
// HPAdd of another copy, another runtime.
//
//export BenchCross
func BenchCross(n C.longlong, fn unsafe.Pointer) C.longlong {
	return timed(n, func(i int64) int64 { return int64(C.call_add(fn, C.longlong(i), 1)) })
}

// BenchChecked times n checked calls.
//
//export BenchChecked
func BenchChecked(n C.longlong) C.longlong {
	return timed(n, func(int64) int64 { return int64(len(echo(payload).Values)) })
}

// BenchCheckedAdd times n calls of addChecked: BenchMarked in checked mode.
//
//export BenchCheckedAdd
func BenchCheckedAdd(n C.longlong) C.longlong {
	start := time.Now()
	var s int64
	for i := int64(0); i < int64(n); i++ {
		s += addChecked(i, 1)
	}
	sink = s
	return C.longlong(time.Since(start).Nanoseconds())
}

// BenchRecord times n calls of the function that takes and returns a
// Record: in checked mode if checked is 1, else in the default mode.
//
//export BenchRecord
func BenchRecord(n C.longlong, checked C.int) C.longlong {
	if checked == 1 {
		return timed(n, func(int64) int64 { return recordChecked(record).Level })
	}
	return timed(n, func(int64) int64 { return recordPlain(record).Level })
}

// BenchMsgpack times what a checked call encodes and decodes, done directly
// with the codec: the argument, then the result.
//
//export BenchMsgpack
func BenchMsgpack(n C.longlong) C.longlong {
	return timed(n, func(int64) int64 {
		var in, out Payload
		b, _ := msgpack.Marshal(payload)
		msgpack.Unmarshal(b, &in)
		b, _ = msgpack.Marshal(in)
		msgpack.Unmarshal(b, &out)
		return int64(len(out.Values))
	})
}

// echoString is a marked function of plain data: a string in, a string out.
//
//hotpatch:func
func echoString(s string) string { return s }

// benchStrings are the strings BenchString passes, by size.
var benchStrings = map[int]string{16: "0123456789abcdef", 1 << 10: strings.Repeat("k", 1<<10), 64 << 10: strings.Repeat("m", 64<<10)}

// BenchString times n calls of echoString with a string of size bytes. The
// loop is written out, as BenchMarked's is, which figure 12 compares it
// with: passed to timed, its closure cost about 15 ns a call more (four
// -only 12 runs of each, alternated).
//
//export BenchString
func BenchString(n C.longlong, size C.int) C.longlong {
	s := benchStrings[int(size)]
	start := time.Now()
	var total int
	for i := int64(0); i < int64(n); i++ {
		total += len(echoString(s))
	}
	sink = int64(total)
	return C.longlong(time.Since(start).Nanoseconds())
}

// BenchClone times n clones of a string of size bytes into this heap: what
// copying it costs in Go, once.
//
//export BenchClone
func BenchClone(n C.longlong, size C.int) C.longlong {
	s := benchStrings[int(size)]
	return timed(n, func(int64) int64 { return int64(len(strings.Clone(s))) })
}

// PlainAdd is an export that nothing marks: the cost of any call from C
// into Go.
//
//export PlainAdd
func PlainAdd(a, b C.longlong) C.longlong { return a + b }

// MarkedAdd is a marked export: the host's calls go through its entry point.
//
//hotpatch:func
//export MarkedAdd
func MarkedAdd(a, b C.longlong) C.longlong { return a + b + C.longlong(version-version) }

// allocKept holds what AllocAdd allocated, 4,096 calls' worth: a live heap
// for the garbage collector to mark.
var allocKept [4096]atomic.Pointer[[64]byte]

// AllocAdd is MarkedAdd that allocates 64 bytes a call and keeps them for a
// while: a library whose garbage collector has work.
//
//hotpatch:func
//export AllocAdd
func AllocAdd(a, b C.longlong) C.longlong {
	allocKept[uint64(a)%uint64(len(allocKept))].Store(new([64]byte))
	return a + b + C.longlong(version-version)
}

// CheckedAdd is MarkedAdd in checked mode.
//
//hotpatch:func checked
//export CheckedAdd
func CheckedAdd(a, b C.longlong) C.longlong { return a + b + C.longlong(version-version) }

func main() {}
