// In the default mode, only signatures whose values can cross between two Go
// runtimes without either garbage collector losing track of a pointer are
// accepted. Every rejection names the function, the parameter and the type,
// and points to checked mode.
package main

import "unsafe"

type Player struct{ Name string }

type Pos struct{ X, Y int32 }

//hotpatch:func
func withMap(m map[string]int) {} // want `withMap: parameter m of type map\[string\]int cannot cross between copies in the default mode: map\[string\]int is a map; use //hotpatch:func checked`

//hotpatch:func
func withChan(c chan int) {} // want `withChan: parameter c of type chan int cannot cross .*: chan int is a channel`

//hotpatch:func
func withFunc(f func()) {} // want `withFunc: parameter f of type func\(\) cannot cross .*is a function`

//hotpatch:func
func withIface(any) {} // want `withIface: parameter #1 of type any cannot cross .*any is an interface`

//hotpatch:func
func withStruct(p Player) {} // want `withStruct: parameter p of type example.com/lib.Player cannot cross .*field Name of example.com/lib.Player holds pointers`

//hotpatch:func
func (p *Player) rename() {} // want `\(\*Player\).rename: receiver of type \*example.com/lib.Player cannot cross .*a pointer passes only to data that holds no pointers`

//hotpatch:func
func stringResult() string { return "" } // want `stringResult: result #1 of type string cannot cross .*results must hold no pointers`

//hotpatch:func
func sliceOfStrings(s []string) {} // want `sliceOfStrings: parameter s of type \[\]string cannot cross .*a slice passes only if its elements hold no pointers`

//hotpatch:func
func withUnsafe(p unsafe.Pointer) {} // want `withUnsafe: parameter p of type unsafe.Pointer cannot cross`

// What the default mode accepts.

//hotpatch:func
func ok(a int64, s string, b []byte, p *Pos, q Pos, arr [4]float32) (Pos, bool) { return q, true }

func main() {}
