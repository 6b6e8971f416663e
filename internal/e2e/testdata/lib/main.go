// Package main is the library of the end-to-end tests. The tests edit it
// between builds: version, step and the bodies below.
package main

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"example.com/testlib/early"
	"github.com/hotpatch-go/hotpatch"
)

const version = 1

// initSawHotpatched proves that IsHotpatched is right during package
// initialisation.
var initSawHotpatched = hotpatch.IsHotpatched()

func init() {
	if hotpatch.IsHotpatched() {
		return
	}
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})
	hotpatch.SetLogger(slog.New(h.WithAttrs([]slog.Attr{slog.String("logger", "root")})))
	hotpatch.SetLogLevel(slog.LevelDebug)
}

//hotpatch:func
func compute(x int64) int64 {
	return x*1000 + version
}

// greet writes its greeting into buf: a string in, a slice in and out.
//
//hotpatch:func
func greet(name string, buf []byte) int32 {
	return int32(copy(buf, fmt.Sprintf("hello %s v%d", name, version)))
}

// Counter is persistent state: the host-loaded copy owns it, and every
// version's Add updates it through a pointer.
type Counter struct{ N, Calls int64 }

const step = 1

//hotpatch:func
func (c *Counter) Add(n int64) int64 {
	c.N += n * step
	c.Calls++
	return c.N
}

var counter Counter

type Vec struct{ X, Y float64 }

//hotpatch:func
func (v Vec) Dot(w Vec) float64 { return v.X*w.X + v.Y*w.Y }

//hotpatch:func
func mayPanic(x int32) int32 {
	if x < 0 {
		panic(fmt.Sprintf("negative %d in version %d", x, version))
	}
	return x
}

//hotpatch:func
func shape(a int32) int32 { return a + version }

var calls int32

//hotpatch:func
func statics() int32 {
	calls++
	return calls
}

//hotpatch:func
func flags() (hotpatched, atInit bool) { return hotpatch.IsHotpatched(), initSawHotpatched }

// sum is variadic.
//
//hotpatch:func
func sum(base int64, xs ...int64) int64 {
	for _, x := range xs {
		base += x
	}
	return base * version
}

// divmod has named results and a naked return.
//
//hotpatch:func
func divmod(a, b int32) (q, r int32) {
	q, r = a/b, a%b
	return
}

// Record is plain data: strings and slices, in a struct.
type Record struct {
	Name  string
	Tags  []string
	Raw   []byte
	Parts [2]string
}

// describe takes and returns plain data: a label, a new record, a list, a
// string longer than a frame's lent room; it upper-cases words in place,
// which the caller sees.
//
//hotpatch:func
func describe(r Record, words []string) (label string, out Record, list []string, big string) {
	for i := range words {
		words[i] = fmt.Sprintf("%s%d", strings.ToUpper(words[i]), version)
	}
	label = fmt.Sprintf("v%d %s tags=%s raw=%x parts=%s/%s", version, r.Name, strings.Join(r.Tags, ","), r.Raw, r.Parts[0], r.Parts[1])
	out = Record{Name: r.Name + "!", Tags: append([]string{fmt.Sprint("v", version)}, r.Tags...), Raw: append(r.Raw, byte(version)), Parts: [2]string{r.Parts[1], r.Parts[0]}}
	return label, out, append(words, fmt.Sprint("n", len(words))), strings.Repeat(r.Name, 100*version)
}

// Plain calls describe on "NAME TAG,TAG...", and returns every result as
// one line, in C memory that the caller frees.
//
//export Plain
func Plain(arg *C.char) *C.char {
	name, tags, _ := strings.Cut(C.GoString(arg), " ")
	words := []string{"a", "b"}
	label, rec, list, big := describe(Record{Name: name, Tags: strings.Split(tags, ","), Raw: []byte{1, 2}, Parts: [2]string{"x", "y"}}, words)
	return C.CString(fmt.Sprintf("%s | %s %s %x %s/%s | %s | %s | %d %t", label, rec.Name, strings.Join(rec.Tags, ","), rec.Raw, rec.Parts[0], rec.Parts[1],
		strings.Join(list, ","), strings.Join(words, ","), len(big), big == strings.Repeat(name, len(big)/max(1, len(name)))))
}

//export Sum3
func Sum3(a, b, c C.longlong) C.longlong { return C.longlong(sum(int64(a), int64(b), int64(c))) }

//export DivMod
func DivMod(a, b C.int) C.int {
	q, r := divmod(int32(a), int32(b))
	return C.int(q*1000 + r)
}

//export Compute
func Compute(x C.longlong) C.longlong { return C.longlong(compute(int64(x))) }

//export Greet
func Greet(name *C.char, out *C.char, n C.int) C.int {
	buf := make([]byte, int(n))
	m := greet(C.GoString(name), buf)
	C.memcpy(unsafe.Pointer(out), unsafe.Pointer(&buf[0]), C.size_t(m))
	return C.int(m)
}

//export Add
func Add(n C.longlong) C.longlong { return C.longlong(counter.Add(int64(n))) }

//export Dot
func Dot(x, y C.double) C.double { return C.double(Vec{float64(x), float64(y)}.Dot(Vec{1, 10})) }

// TryPanic returns what the caller's recover saw, or NULL.
//
//export TryPanic
func TryPanic(x C.int) (msg *C.char) {
	defer func() {
		if r := recover(); r != nil {
			kind := fmt.Sprintf("%T", r)
			if pe, ok := r.(*hotpatch.PanicError); ok {
				msg = C.CString(fmt.Sprintf("%s|%s|%s", kind, pe.Value, pe.Stack))
				return
			}
			msg = C.CString(fmt.Sprintf("%s|%v|", kind, r))
		}
	}()
	mayPanic(int32(x))
	return nil
}

//export MayPanic
func MayPanic(x C.int) C.int { return C.int(mayPanic(int32(x))) }

//export Shape
func Shape(a C.int) C.int { return C.int(shape(int32(a))) }

//export Statics
func Statics() C.int { return C.int(statics()) }

//export Flags
func Flags() C.int {
	h, i := flags()
	r := 0
	if h {
		r |= 1
	}
	if i {
		r |= 2
	}
	return C.int(r)
}

// SpinGC runs a garbage collection while a goroutine spins in a loop without
// calls, in this copy (early.SpinGC). Only asynchronous preemption can stop
// that loop, so the collection ends only if this copy still receives its
// SIGURG.
//
//export SpinGC
func SpinGC() C.longlong { return C.longlong(early.SpinGC().Microseconds()) }

// tick is what the ticker's goroutine last got from compute.
var tick int64

// startTicker starts, in the copy that runs it, a goroutine that calls
// compute every millisecond and stores what it gets in *dst, which the
// original copy keeps. Once a newer build has applied, that goroutine's calls
// go through the original copy to the newest build.
//
//hotpatch:func
func startTicker(dst *int64) int32 {
	go func() {
		for {
			atomic.StoreInt64(dst, compute(7))
			time.Sleep(time.Millisecond)
		}
	}()
	return 1
}

//export StartTicker
func StartTicker() C.int { return C.int(startTicker(&tick)) }

//export Tick
func Tick() C.longlong { return C.longlong(atomic.LoadInt64(&tick)) }

// risky is rebuilt with a body that panics, with hotpatch build -rollback.
//
//hotpatch:func
func risky(x int64) int64 {
	return x*10 + version
}

//export Risky
func Risky(x C.longlong) C.longlong { return C.longlong(risky(int64(x))) }

// nilDeref dereferences a nil pointer in the copy that runs it, and
// recovers: it returns 1 once the panic is recovered. The fault must reach
// this copy's runtime however many copies the process holds.
func nilDeref() (recovered int32) {
	defer func() {
		if recover() != nil {
			recovered = 1
		}
	}()
	var p *int32
	return *p
}

// NilDeref runs nilDeref in this copy: the host's, or any other that the
// host loads by its path.
//
//export NilDeref
func NilDeref() C.int { return C.int(nilDeref()) }

// nilDerefMarked runs nilDeref in the copy that runs the marked functions:
// the newest.
//
//hotpatch:func
func nilDerefMarked() int32 { return nilDeref() }

//export NilDerefMarked
func NilDerefMarked() C.int { return C.int(nilDerefMarked()) }

// BrokenPipe writes to a pipe whose reader is gone, from Go code of this
// copy, and returns 1 once the write has failed. On Linux the write raises
// SIGPIPE, which must reach this copy's runtime too.
//
//export BrokenPipe
func BrokenPipe() C.int {
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

func main() {}
