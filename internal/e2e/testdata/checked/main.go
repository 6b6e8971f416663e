// Package main is the library of the checked-mode tests: structs with
// strings, slices, maps and nested structs cross between copies through
// MessagePack.
package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hotpatch-go/hotpatch"
)

const version = 1

type Point struct {
	X, Y int
}

type Item struct {
	Name  string
	Tags  []string
	Attrs map[string]int
	Pos   Point
}

type Inventory struct {
	Owner string
	Items []Item
	Gold  int64
}

// restock returns a new inventory: results may carry pointers in checked
// mode, since the caller decodes them into its own heap.
//
//hotpatch:func checked
func restock(inv Inventory, note string) (Inventory, string) {
	inv.Items = append(inv.Items, Item{Name: fmt.Sprintf("potion-v%d", version), Tags: []string{note}, Pos: Point{X: version, Y: 2 * version}})
	return inv, fmt.Sprintf("v%d restocked %s", version, inv.Owner)
}

// addGold changes the inventory through its pointer receiver: in-out.
//
//hotpatch:func checked
func (inv *Inventory) addGold(n int64) int64 {
	inv.Gold += n * version
	return inv.Gold
}

//hotpatch:func checked
func label(v string) string { return fmt.Sprintf("v%d label %s", version, v) }

// pad returns n bytes: results larger than the buffer the caller lends
// (4 KB) come back through C memory instead.
//
//hotpatch:func checked
func pad(n int64) []byte { return []byte(strings.Repeat(fmt.Sprint(version), int(n))) }

var inventory = Inventory{Owner: "ann", Items: []Item{{Name: "sword", Tags: []string{"a", "b"}, Attrs: map[string]int{"dmg": 3}, Pos: Point{1, 2}}}}

func describe(inv Inventory) string {
	var b strings.Builder
	fmt.Fprintf(&b, "owner=%s gold=%d", inv.Owner, inv.Gold)
	for _, it := range inv.Items {
		keys := make([]string, 0, len(it.Attrs))
		for k, v := range it.Attrs {
			keys = append(keys, fmt.Sprintf("%s:%d", k, v))
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, " [%s tags=%s attrs=%s pos=%d,%d]", it.Name, strings.Join(it.Tags, ","), strings.Join(keys, ","), it.Pos.X, it.Pos.Y)
	}
	return b.String()
}

// Restock returns the summary and the restocked inventory, described by the
// host-loaded copy.
//
//export Restock
func Restock(note *C.char) *C.char {
	inv, summary := restock(inventory, C.GoString(note))
	return C.CString(summary + " | " + describe(inv))
}

//export AddGold
func AddGold(n C.longlong) C.longlong { return C.longlong(inventory.addGold(int64(n))) }

// Label returns the label, or what the caller's recover saw.
//
//export Label
func Label(v *C.char) (out *C.char) {
	defer func() {
		if r := recover(); r != nil {
			if pe, ok := r.(*hotpatch.PanicError); ok {
				r = pe.Value
			}
			out = C.CString(fmt.Sprint("recovered: ", r))
		}
	}()
	return C.CString(label(C.GoString(v)))
}

// Pad returns the length of pad(n) times 10, plus the version its last byte
// names.
//
//export Pad
func Pad(n C.longlong) C.longlong {
	b := pad(int64(n))
	if len(b) == 0 {
		return 0
	}
	return C.longlong(len(b)*10 + int(b[len(b)-1]-'0'))
}

func main() {}
