package rewrite

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// codecTypes are the types whose generated encoders and decoders
// TestCodec compiles and runs. Old and New are one struct in two builds:
// New adds a field, drops one, reorders the rest and widens types the way
// decoders tolerate.
const codecTypes = `package main

import "time"

type Point struct{ X, Y int32 }

type Octet byte

type Item struct {
	Name   string
	Tags   []string
	Attrs  map[string]int
	Pos    *Point
	Grid   [2][2]uint8
	Hash   [4]byte
	Data   []byte
	Ratio  float32
	OK     bool
	Skip   string ` + "`msgpack:\"-\"`" + `
	Renamed string ` + "`msgpack:\"name2\"`" + `
	When   time.Time
	Next   *Item
	Inline struct{ A, B string }
	Octets []Octet
}

type Old struct {
	A     string
	Count int8
	Gone  []int
	Blob  string
	Score int
}

type New struct {
	Score float64
	Count int64
	Blob  []byte
	A     string
	Added map[int]bool
}

type Embeds struct {
	Point
	Z int
}

// Pair is generated code only: reflection cannot encode an array of a
// named byte type (vmihailenco/msgpack v5.4.1 panics in reflect.Copy).
type Pair struct{ P [2]Octet }
`

// codecProgram round-trips values through the generated code, and between
// it and github.com/vmihailenco/msgpack, which writes the same MessagePack.
const codecProgram = `package main

import (
	"fmt"
	"os"
	"reflect"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

var failed bool

func check(what string, got, want any) {
	if !reflect.DeepEqual(got, want) {
		fmt.Printf("%s: got %+v, want %+v\n", what, got, want)
		failed = true
	}
}

func main() {
	when := time.Unix(1764669600, 5)
	items := []_hotpatchTItem{
		{},
		{Name: "sword", Tags: []string{"a", ""}, Attrs: map[string]int{"dmg": -3, "big": 1 << 40}, Pos: &Point{1, -2},
			Grid: [2][2]uint8{{1, 2}, {3, 255}}, Hash: [4]byte{9, 8, 7, 6}, Data: []byte{}, Ratio: 0.5, OK: true,
			Renamed: "r", When: when, Next: &Item{Name: "next"}, Inline: struct{ A, B string }{"x", "y"},
			Octets: []Octet{1, 2}},
		{Tags: []string{}, Attrs: map[string]int{}, Data: []byte("bytes")},
	}
	for i, v := range items {
		b := _hotpatchEncTItem(nil, &v)
		var got _hotpatchTItem
		rest, err := _hotpatchDecTItem(b, &got)
		check(fmt.Sprintf("item %d: error", i), err, nil)
		check(fmt.Sprintf("item %d: rest", i), len(rest), 0)
		check(fmt.Sprintf("item %d: generated to generated", i), got, v)

		var viaReflect _hotpatchTItem
		check(fmt.Sprintf("item %d: reflection decodes", i), msgpack.Unmarshal(b, &viaReflect), nil)
		check(fmt.Sprintf("item %d: generated to reflection", i), viaReflect, v)

		data, err := msgpack.Marshal(&v)
		check(fmt.Sprintf("item %d: reflection encodes", i), err, nil)
		var fromReflect _hotpatchTItem
		_, err = _hotpatchDecTItem(data, &fromReflect)
		check(fmt.Sprintf("item %d: reflection to generated: error", i), err, nil)
		check(fmt.Sprintf("item %d: reflection to generated", i), fromReflect, v)
	}

	old := _hotpatchTOld{A: "a", Count: -5, Gone: []int{1}, Blob: "blob", Score: 7}
	var n _hotpatchTNew
	_, err := _hotpatchDecTNew(_hotpatchEncTOld(nil, &old), &n)
	check("old to new: error", err, nil)
	check("old to new", n, _hotpatchTNew{Score: 7, Count: -5, Blob: []byte("blob"), A: "a"})

	pair := _hotpatchTPair{P: [2]Octet{3, 255}}
	var pair2 _hotpatchTPair
	_, err = _hotpatchDecTPair(_hotpatchEncTPair(nil, &pair), &pair2)
	check("pair: error", err, nil)
	check("pair", pair2, pair)

	e := _hotpatchTEmbeds{Point: Point{3, 4}, Z: 5}
	var e2 _hotpatchTEmbeds
	_, err = _hotpatchDecTEmbeds(_hotpatchEncTEmbeds(nil, &e), &e2)
	check("embeds: error", err, nil)
	check("embeds", e2, e)

	// A value that does not decode says where.
	bad := _hotpatchEncTOld(nil, &_hotpatchTOld{Gone: []int{1}})
	var wrong struct{ Gone []string }
	_, err = _hotpatchDecTWrong(bad, (*_hotpatchTWrong)(&wrong))
	check("wrong: error", fmt.Sprint(err), "at Gone[]: found int, want a string")

	// A corrupt header does not size an allocation.
	var s _hotpatchTItem
	_, err = _hotpatchDecTItem([]byte{0x81, 0xa4, 'T', 'a', 'g', 's', 0xdd, 0xff, 0xff, 0xff, 0xff}, &s)
	check("corrupt: error", fmt.Sprint(err), "at Tags: a header says 4294967295 values follow in 0 bytes")
	if failed {
		os.Exit(1)
	}
}
`

// TestCodec compiles the encoders and decoders that checked mode generates
// for a set of types, and runs them: values round-trip through them, and
// between them and reflection, and a struct decodes from an older build's.
func TestCodec(t *testing.T) {
	src := codecTypes + "\ntype Wrong struct{ Gone []string }\n"
	pkg := cgoTypes(t, []txtar.File{{Name: "main.go", Data: []byte(src)}})
	var gen strings.Builder
	gen.WriteString("package main\n\nimport _hotpatchrt \"" + RuntimePath + "\"\n")
	for _, name := range []string{"Item", "Old", "New", "Embeds", "Pair", "Wrong"} {
		alias := rootName + "T" + name
		fmt.Fprintf(&gen, "\ntype %s = %s\n", alias, name)
		gen.WriteString(codecFuncs(alias, pkg.Scope().Lookup(name).Type()))
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod": fmt.Sprintf("module example.com/codec\n\ngo 1.26\n\nrequire github.com/hotpatch-go/hotpatch v0.0.0\n\nreplace github.com/hotpatch-go/hotpatch => %s\n", root),
		"go.sum": string(sum), "types.go": src, "codec.go": gen.String(), "main.go": codecProgram,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	run := exec.Command("go", "run", ".")
	run.Dir = dir
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("go run: %v\n%s\ngenerated code:\n%s", err, out, gen.String())
	}
}
