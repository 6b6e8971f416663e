package rt

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

type entV1 struct {
	Name string
	HP   int32
}

type worldV1 struct {
	Tick   int64
	Ents   []entV1
	ByName map[string]int
	Boss   *entV1
}

type entV2 struct {
	Extra string
	HP    int64
	Name  string
}

type worldV2 struct {
	Level  int
	Ents   []entV2
	Boss   *entV2
	ByName map[string]int
	Tick   int64
}

type entV3 struct{ HP string }

type worldV3 struct{ Ents []entV3 }

// moveKept saves from into bytes, as the old owner does, and loads them into
// to, as the new one does, under the identity id.
func moveKept(t *testing.T, from, to any) error {
	t.Helper()
	defer func(old []*KeptVar) { keptVars = old }(keptVars)
	keptVars = []*KeptVar{{ID: "example.com/game.world", ptr: from}}
	data, err := saveKept()
	if err != nil {
		t.Fatal(err)
	}
	keptVars = []*KeptVar{{ID: "example.com/game.world", ptr: to}}
	return loadKept(data)
}

func TestMoveKept(t *testing.T) {
	v1 := worldV1{Tick: 7, Ents: []entV1{{"a", 10}, {"b", 20}}, ByName: map[string]int{"a": 0, "b": 1}, Boss: &entV1{"a", 100}}
	v2 := worldV2{Level: 5, ByName: map[string]int{"stale": 9}}
	if err := moveKept(t, &v1, &v2); err != nil {
		t.Fatal(err)
	}
	want := worldV2{Ents: []entV2{{Name: "a", HP: 10}, {Name: "b", HP: 20}}, Boss: &entV2{Name: "a", HP: 100}, ByName: map[string]int{"a": 0, "b": 1}, Tick: 7}
	if !reflect.DeepEqual(v2, want) {
		t.Errorf("moved: %+v, want %+v (added fields zero, not their old values)", v2, want)
	}

	v3 := worldV3{Ents: []entV3{{"untouched"}}}
	err := moveKept(t, &v1, &v3)
	if err == nil || !strings.Contains(err.Error(), "kept variable example.com/game.world does not decode into its new type rt.worldV3") {
		t.Errorf("moving into an incompatible type: %v", err)
	}
	if v3.Ents[0].HP != "untouched" {
		t.Errorf("a value that does not decode changed the variable: %+v", v3)
	}
}

type node struct {
	Next *node
	V    int
}

func TestCycleRefused(t *testing.T) {
	defer func(old []*KeptVar) { keptVars = old }(keptVars)
	shared := &node{V: 1}
	dag := &struct{ A, B *node }{shared, shared} // shared, not a cycle
	ring := &node{V: 1}
	ring.Next = &node{V: 2, Next: ring}
	keptVars = []*KeptVar{{ID: "dag", ptr: dag, recursive: true}}
	if _, err := saveKept(); err != nil {
		t.Errorf("two pointers to one node: %v", err)
	}
	keptVars = []*KeptVar{{ID: "ring", ptr: &ring, recursive: true}}
	if _, err := saveKept(); err == nil || !strings.Contains(err.Error(), "kept variable ring holds a cycle of pointers") {
		t.Errorf("a ring: %v", err)
	}
}

// TestDropKept: a retired copy's kept variables are set to their zero
// values once their state has moved, so that nothing keeps the old world.
func TestDropKept(t *testing.T) {
	defer func(old []*KeptVar) { keptVars = old }(keptVars)
	w := &worldV1{Tick: 3, Ents: []entV1{{Name: "a"}}, ByName: map[string]int{"a": 0}, Boss: &entV1{Name: "b"}}
	n := new(int64)
	*n = 7
	keptVars = []*KeptVar{{ID: "world", ptr: w}, {ID: "n", ptr: n}}
	dropKept()
	if !reflect.ValueOf(*w).IsZero() || *n != 0 {
		t.Errorf("after dropKept: world %+v, n %d; want zero values", *w, *n)
	}
}

// touchy is a kept type whose MessagePack methods panic when told to.
type touchy struct{ Panic bool }

func (t touchy) EncodeMsgpack(enc *msgpack.Encoder) error {
	if t.Panic {
		panic("encoding touchy")
	}
	return enc.EncodeBool(false)
}

func (t *touchy) DecodeMsgpack(dec *msgpack.Decoder) error {
	if _, err := dec.DecodeBool(); err != nil {
		return err
	}
	panic(errors.New("decoding touchy"))
}

// TestKeptPanics: a panic while the kept state is encoded or decoded, in
// the codec or in the program's own methods, is an error that names the
// variable, and leaves the variables as they were.
func TestKeptPanics(t *testing.T) {
	defer func(old []*KeptVar) { keptVars = old }(keptVars)
	keptVars = []*KeptVar{{ID: "example.com/game.t", ptr: &touchy{Panic: true}}}
	if _, err := saveKept(); err == nil || !strings.Contains(err.Error(), "kept variable example.com/game.t cannot be encoded: panic: encoding touchy") {
		t.Errorf("a panic while encoding: %v", err)
	}
	keptVars = []*KeptVar{{ID: "example.com/game.t", ptr: &touchy{}}}
	data, err := saveKept()
	if err != nil {
		t.Fatal(err)
	}
	to := &touchy{Panic: true}
	keptVars = []*KeptVar{{ID: "example.com/game.t", ptr: to}}
	if err := loadKept(data); err == nil || !strings.Contains(err.Error(), "kept variable example.com/game.t does not decode into its new type rt.touchy: panic: decoding touchy") {
		t.Errorf("a panic while decoding: %v", err)
	}
	if !to.Panic {
		t.Errorf("a value that panicked while decoding changed the variable: %+v", to)
	}
}

// octet is a type defined on byte: vmihailenco/msgpack v5.4.1 panics in
// reflect.Copy when it encodes an array of one that is not addressable, such
// as a map's value.
type octet byte

// TestKeptCodecPanic: the codec's own panic is an error too.
func TestKeptCodecPanic(t *testing.T) {
	defer func(old []*KeptVar) { keptVars = old }(keptVars)
	keptVars = []*KeptVar{{ID: "example.com/game.tag", ptr: &map[string][4]octet{"a": {1}}}}
	if _, err := saveKept(); err == nil || !strings.Contains(err.Error(), "kept variable example.com/game.tag cannot be encoded: panic: ") {
		t.Errorf("an array of a named byte type: %v", err)
	}
}
