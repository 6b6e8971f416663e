// In the default mode, only signatures whose values can cross between two Go
// runtimes without either garbage collector losing track of a pointer are
// accepted: plain data (numbers, strings, and slices, arrays and structs of
// them), raw pointers, and pointers to pointer-free state. Every rejection
// names the function, the parameter and the type, and points to checked mode
// and to kept state.
package main

import "unsafe"

type Player struct{ Name string }

type Pos struct{ X, Y int32 }

type Team struct {
	Name    string
	Players []Player
	Scores  map[string]int
}

//hotpatch:func
func withMap(m map[string]int) {} // want `withMap: parameter m of type map\[string\]int cannot cross between copies in the default mode: map\[string\]int is a map; use //hotpatch:func checked, or keep the data in a //hotpatch:keep variable`

//hotpatch:func
func withChan(c chan int) {} // want `withChan: parameter c of type chan int cannot cross .*: chan int is a channel`

//hotpatch:func
func withFunc(f func()) {} // want `withFunc: parameter f of type func\(\) cannot cross .*is a function`

//hotpatch:func
func withIface(any) {} // want `withIface: parameter #1 of type any cannot cross .*any is an interface`

//hotpatch:func
func withNested(t Team) {} // want `withNested: parameter t of type example.com/lib.Team cannot cross .*field Scores of example.com/lib.Team is not plain data: map\[string\]int is a map`

//hotpatch:func
func (p *Player) rename() {} // want `\(\*Player\).rename: receiver of type \*example.com/lib.Player cannot cross .*a pointer passes only to data that holds no pointers`

//hotpatch:func
func teamResult() Team { return Team{} } // want `teamResult: result #1 of type example.com/lib.Team cannot cross .*results must be plain data.*field Scores`

//hotpatch:func
func sliceOfPointers(s []*Pos) {} // want `sliceOfPointers: parameter s of type \[\]\*example.com/lib.Pos cannot cross .*a slice passes only if its elements are plain data, but \*example.com/lib.Pos is a pointer`

//hotpatch:func
func unsafeResult() unsafe.Pointer { return nil } // want `unsafeResult: result #1 of type unsafe.Pointer cannot cross .*return a uintptr handle instead`

//hotpatch:func
func rawInSlice(s []unsafe.Pointer) {} // want `rawInSlice: parameter s of type \[\]unsafe.Pointer cannot cross .*a slice passes only if its elements are plain data, but unsafe.Pointer is an unsafe.Pointer, which may point into the newer copy's heap`

//hotpatch:func
func rawBehindPointer(p *struct{ P unsafe.Pointer }) {} // want `rawBehindPointer: parameter p of type \*struct\{P unsafe.Pointer\} cannot cross .*a pointer passes only to data that holds no pointers .*unsafe.Pointer`

// What the default mode accepts.

//hotpatch:func
func ok(a int64, s string, b []byte, p *Pos, q Pos, arr [4]float32) (Pos, bool) { return q, true }

//hotpatch:func
func plain(p Player, names []string, ps []Player, grid [][]int32, arr [2]Player) (string, []string, Player, [][]int32) {
	return "", nil, p, nil
}

//hotpatch:func
func raw(data unsafe.Pointer, n int32, tag uintptr) int32 { return n }

func main() {}
