//go:build linux

// Package main is the library of the kept-state figures: a world in a kept
// variable, a marked function that uses it and the same body unmarked, and
// loops that time them from inside the library.
package main

import "C"

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hotpatch-go/hotpatch"
	"github.com/vmihailenco/msgpack/v5"
)

const version = 1

type Entity struct {
	Name  string
	Tags  []string
	Stats map[string]int64
	Pos   struct{ X, Y float64 }
}

type World struct {
	Tick     int64
	Entities []Entity
}

//hotpatch:keep
var world World

// plain is the same state, not kept, for the unmarked baseline.
var plain World

// The two bodies read the state and write none of it: a body that wrote
// one shared word would serialize threads by itself, whatever hotpatch does.

//go:noinline
func tickPlain(n int64) int64 { return plain.Tick + n + version }

//hotpatch:func
//go:noinline
func tickKept(n int64) int64 { return world.Tick + n + version }

// fill grows the world to about size bytes encoded.
//
//hotpatch:func
func fill(size int64) int64 {
	world.Entities = nil
	for encoded := int64(0); encoded < size; encoded += 100 { // about what an entity encodes to
		i := len(world.Entities)
		world.Entities = append(world.Entities, Entity{
			Name:  fmt.Sprintf("entity-%d", i),
			Tags:  []string{"alpha", "beta", "gamma"},
			Stats: map[string]int64{"hp": int64(i), "mp": 7},
		})
	}
	b, _ := msgpack.Marshal(&world)
	return int64(len(b))
}

// codec times what a move costs the codec itself, in the copy that owns the
// world: encoding it, and decoding it into a new value.
//
//hotpatch:func
func codec() int64 {
	start := time.Now()
	b, _ := msgpack.Marshal(&world)
	var w World
	msgpack.Unmarshal(b, &w)
	return time.Since(start).Nanoseconds()
}

// lastMove is how long the last move of kept state took, from the patcher's
// record of it.
var lastMove atomic.Int64

type moveRecorder struct{}

func (moveRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (moveRecorder) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "kept state moved") {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "took" {
				lastMove.Store(int64(a.Value.Duration()))
			}
			return true
		})
	}
	return nil
}
func (h moveRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h moveRecorder) WithGroup(string) slog.Handler      { return h }

func init() {
	if !hotpatch.IsHotpatched() {
		hotpatch.SetLogger(slog.New(moveRecorder{}))
		hotpatch.SetLogLevel(slog.LevelDebug)
	}
}

//export HPVersion
func HPVersion() C.longlong { return C.longlong(tickKept(0) - world0()) }

// world0 is the tick of the world, which the version reads on top of.
//
//hotpatch:func
func world0() int64 { return world.Tick }

//export HPFill
func HPFill(size C.longlong) C.longlong { return C.longlong(fill(int64(size))) }

//export HPCodec
func HPCodec() C.longlong { return C.longlong(codec()) }

//export HPLastMove
func HPLastMove() C.longlong { return C.longlong(lastMove.Load()) }

// HPTick is one call of the marked function, as a host thread makes it.
//
//export HPTick
func HPTick() { tickKept(1) }

// BenchKept times n calls of the marked function that uses kept state.
//
//export BenchKept
func BenchKept(n C.longlong) C.longlong {
	start := time.Now()
	var s int64
	for i := int64(0); i < int64(n); i++ {
		s += tickKept(1)
	}
	_ = s
	return C.longlong(time.Since(start).Nanoseconds())
}

// BenchPlainState times n calls of the same body, unmarked, on state that is
// not kept.
//
//export BenchPlainState
func BenchPlainState(n C.longlong) C.longlong {
	start := time.Now()
	var s int64
	for i := int64(0); i < int64(n); i++ {
		s += tickPlain(1)
	}
	_ = s
	return C.longlong(time.Since(start).Nanoseconds())
}

func main() {}
