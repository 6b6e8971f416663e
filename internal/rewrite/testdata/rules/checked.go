// Checked mode carries any value MessagePack can encode, by field name.
// Types it cannot encode are build errors that name the function, the
// parameter and the type, so that nothing is silently dropped at run time.
package main

import (
	"time"
	"unsafe"
)

type Secret struct{ key string }

type Node struct {
	Name     string
	Children []*Node
	Seen     map[string]time.Time
}

//hotpatch:func checked
func withChan(c chan int) {} // want `withChan: parameter c of type chan int cannot cross between copies in checked mode: chan int is a channel`

//hotpatch:func checked
func withFunc() func() { return nil } // want `withFunc: result #1 of type func\(\) cannot cross between copies in checked mode: func\(\) is a function`

//hotpatch:func checked
func withUnsafe(p unsafe.Pointer) {} // want `withUnsafe: parameter p of type unsafe.Pointer cannot cross .*unsafe.Pointer`

//hotpatch:func checked
func withIface(v any) {} // want `withIface: parameter v of type any cannot cross .*no concrete type to decode into`

//hotpatch:func checked
func withHidden(s Secret) {} // want `withHidden: parameter s of type example.com/lib.Secret cannot cross .*field key of example.com/lib.Secret is unexported`

//hotpatch:func checked
func withNested(m map[string][]Secret) {} // want `withNested: parameter m of type map\[string\]\[\]example.com/lib.Secret cannot cross .*field key`

//hotpatch:func checked
func withComplex(c complex128) {} // want `withComplex: .*complex number`

// What checked mode accepts: pointers, recursive types, maps, slices of
// structs, strings as results, and time.Time.

//hotpatch:func checked
func walk(n *Node, depth int) (string, []Node) { return n.Name, nil }

//hotpatch:func checked
func (n Node) count(_ int) map[string]int { return nil }

func main() {}
