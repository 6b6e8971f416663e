// Kept variables move into each new build through MessagePack, by field
// name: types that cannot move are build errors that name the variable and
// the type. Only marked functions may use them.
package main

import (
	"sync"
	"unsafe"
)

type World struct {
	Tick  int64
	Names map[string]int
}

type withChan struct{ C chan int }

type withIface struct{ V any }

type hidden struct{ n int }

type tagged struct {
	N  int
	mu sync.Mutex `msgpack:"-"`
}

type keyed struct{ M map[World]int }

//hotpatch:keep
var world World

//hotpatch:keep
var ch withChan // want `kept variable ch of type example.com/lib.withChan cannot move into new builds: field C of example.com/lib.withChan: chan int is a channel`

//hotpatch:keep
var iface withIface // want `kept variable iface of type example.com/lib.withIface cannot move .*any is an interface, which has no concrete type to decode into`

//hotpatch:keep
var fn func() // want `kept variable fn of type func\(\) cannot move into new builds: func\(\) is a function`

//hotpatch:keep
var ptr unsafe.Pointer // want `kept variable ptr of type unsafe.Pointer cannot move`

//hotpatch:keep
var h hidden // want "kept variable h of type example.com/lib.hidden cannot move into new builds: field n of example.com/lib.hidden is unexported, and values travel by exported field names only: export it, or tag it `msgpack:\"-\"` to leave it out"

//hotpatch:keep
var fine tagged

//hotpatch:keep
var k keyed // want `kept variable k .*has keys of type example.com/lib.World: MessagePack carries maps whose keys are numbers, strings or bools`

//hotpatch:keep
var Exported int // want `kept variable Exported is exported: keep an unexported variable`

//hotpatch:keep // want `//hotpatch:keep must stand on the line before a package-level var declaration, but it stands before a type declaration`
type notAVar int

//hotpatch:keep now // want `malformed directive "//hotpatch:keep now": write //hotpatch:keep`
var typo int

//hotpatch:func
func step() int64 {
	world.Tick++
	fine.N++
	return world.Tick
}

func unmarked() int64 {
	return world.Tick // want `unmarked: uses kept variable world, but is not marked: only marked functions run in the copy that holds kept state, and after a reload unmarked would use a stale copy; mark unmarked with //hotpatch:func`
}

func (w *World) method() {
	fine.N = 0 // want `\(\*World\).method: uses kept variable fine, but is not marked`
}

//hotpatch:func
func spawn() {
	go func() {
		world.Tick++ // want `spawn: starts a goroutine whose function literal uses kept variable world: the goroutine runs outside any marked call`
	}()
	go step()
}

func local() {
	//hotpatch:keep // want `//hotpatch:keep must stand on the line before a package-level var declaration`
	var x int
	_ = x
}

// init may set kept variables up: each new copy's init runs before the
// state moves in.
func init() { world.Names = map[string]int{} }

func main() {}
