// A package variable that a marked function and an unmarked one both use,
// and that changes after init, splits in two after a reload: the marked
// function uses the new copy's, the unmarked one the original copy's. That is
// a warning, not an error: a variable that resets may be what the user
// wants.
package main

import "sync"

type World struct{ Tick int }

var world World // want `variable world is used by the marked function step and by Spawn, which is not marked, and it changes after init: after a reload, step uses the new copy's world and Spawn the original copy's. Keep it \(//hotpatch:keep on its declaration\), or mark Spawn \(//hotpatch:func\)`

var mu sync.Mutex // want `variable mu is used by the marked function step and by Spawn`

// Changed only in init: no warning.
var config = map[string]int{}

func init() { config["x"] = 1 }

// Read by both, never written: no warning.
var limit = 10

//hotpatch:func
func step() int {
	mu.Lock()
	defer mu.Unlock()
	world.Tick += config["x"] + limit
	return world.Tick
}

//export Spawn
func Spawn() {
	mu.Lock()
	world.Tick = limit + config["x"]
	mu.Unlock()
}

func main() {}
