// Package early runs a garbage collection during package initialisation,
// when the host's environment has TESTLIB_EARLY_GC: first it waits 100 ms
// (the host loads its other libraries meanwhile), then it collects while a
// goroutine spins in a loop without calls. Only asynchronous preemption can
// stop that loop, so the initialisation ends only if this runtime receives
// its own SIGURG from its start on. Its import path sorts before
// github.com/hotpatch-go/hotpatch, so it initialises before hotpatch's own
// packages do.
package early

import (
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

var spin atomic.Int64

func init() {
	if os.Getenv("TESTLIB_EARLY_GC") != "" {
		time.Sleep(100 * time.Millisecond)
		SpinGC()
	}
}

// SpinGC runs a garbage collection while a goroutine spins in a loop without
// calls, and returns how long the collection took.
func SpinGC() time.Duration {
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
