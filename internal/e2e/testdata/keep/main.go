// Package main is the kept-state library of the end-to-end tests: a small
// game world in a kept variable, which every build must find as the last one
// left it. The tests edit version, step and the World type between builds.
package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/hotpatch-go/hotpatch"
)

const version = 1

const step = 1

type Entity struct {
	Name string
	HP   int32
}

type World struct {
	Tick     int64
	Entities []Entity
	ByName   map[string]int
	Boss     *Entity
	Counter  int64
}

//hotpatch:keep
var world = World{ByName: map[string]int{}}

func init() {
	if hotpatch.IsHotpatched() {
		return
	}
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})
	hotpatch.SetLogger(slog.New(h))
	hotpatch.SetLogLevel(slog.LevelDebug)
	if os.Getenv("KEEP_ON_REQUEST") == "1" {
		hotpatch.ApplyOnRequest()
	}
}

// FrameStart is the top of a per-frame export: a library that applies new
// builds on request applies them here, between frames. It returns 1 if a
// build applied, 0 if none waited, and -1 on an error.
//
//export FrameStart
func FrameStart() C.int {
	applied, err := hotpatch.Apply()
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "FrameStart:", err)
		return -1
	case applied:
		return 1
	}
	return 0
}

// ApplyInside calls Apply inside a marked call, where it must refuse: it
// returns 1 if it did.
//
//hotpatch:func
//export ApplyInside
func ApplyInside() C.int {
	if _, err := hotpatch.Apply(); err != nil && strings.Contains(err.Error(), "inside a marked function") {
		return 1
	}
	return 0
}

// Spawn adds an entity; the first is the boss.
//
//hotpatch:func
//export Spawn
func Spawn(name *C.char) C.int {
	n := C.GoString(name)
	world.Entities = append(world.Entities, Entity{Name: n, HP: 10})
	world.ByName[n] = len(world.Entities) - 1
	if world.Boss == nil {
		world.Boss = &Entity{Name: n, HP: 100}
	}
	return C.int(len(world.Entities))
}

//hotpatch:func
//export Step
func Step() C.longlong {
	world.Tick += step
	return C.longlong(world.Tick)
}

// Incr adds one to the counter that the host's threads share.
//
//hotpatch:func
//export Incr
func Incr() { atomic.AddInt64(&world.Counter, 1) }

// describe shows the whole world, and the version that shows it.
//
//hotpatch:func checked
func describe() string {
	var ents, names []string
	for _, e := range world.Entities {
		ents = append(ents, fmt.Sprintf("%s:%v", e.Name, e.HP))
	}
	for k, v := range world.ByName {
		names = append(names, fmt.Sprintf("%s:%d", k, v))
	}
	sort.Strings(names)
	boss := "none"
	if world.Boss != nil {
		boss = fmt.Sprintf("%s:%v", world.Boss.Name, world.Boss.HP)
	}
	return fmt.Sprintf("v%d tick=%d entities=%s byname=%s boss=%s counter=%d",
		version, world.Tick, strings.Join(ents, ","), strings.Join(names, ","), boss, atomic.LoadInt64(&world.Counter))
}

//export Describe
func Describe() *C.char { return C.CString(describe()) }

// IsRetired reports whether a newer copy owns this copy's state.
//
//export IsRetired
func IsRetired() C.int {
	select {
	case <-hotpatch.Retired():
		return 1
	default:
		return 0
	}
}

func main() {}
