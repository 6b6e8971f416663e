package rt

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

type plainRecord struct {
	Name  string
	Tags  []string
	N     int32
	Pairs [2]struct {
		K string
		V float64
	}
	Raw   []byte
	Empty []int
	Nil   []string
	Grid  [][]int16
	Addr  uintptr
}

func samplePlain() plainRecord {
	r := plainRecord{Name: "bob", Tags: []string{"a", "", "ccc"}, N: 7, Raw: []byte{1, 2, 3}, Empty: []int{}, Grid: [][]int16{{1, 2}, nil, {}}, Addr: 0xdead}
	r.Pairs[0].K, r.Pairs[0].V = "k0", 1.5
	r.Pairs[1].K, r.Pairs[1].V = "k1", -2
	return r
}

// TestPlainRoundTrip flattens values into a frame's lent room and takes them
// back, as a result crosses: the value is equal, nil and empty slices stay
// apart, and nothing points into the original.
func TestPlainRoundTrip(t *testing.T) {
	for name, v := range map[string]any{
		"string":  "hello, world",
		"empty":   "",
		"bytes":   []byte("raw bytes"),
		"strings": []string{"x", "yy", strings.Repeat("z", 300)}, // more than the room: C memory
		"record":  samplePlain(),
		"records": []plainRecord{samplePlain(), {}, samplePlain()},
		"nil":     []string(nil),
		"array":   [3]string{"a", "b", "c"},
	} {
		t.Run(name, func(t *testing.T) {
			typ := reflect.TypeOf(v)
			p := plainOf(typ)
			src := reflect.New(typ)
			src.Elem().Set(reflect.ValueOf(v))
			var l Lent
			l.Put(p, src.UnsafePointer())
			l.Put(p, src.UnsafePointer()) // two values in a row, as results
			for range 2 {
				dst := reflect.New(typ)
				l.Take(p, dst.UnsafePointer())
				if !reflect.DeepEqual(dst.Elem().Interface(), v) {
					t.Fatalf("took %#v, want %#v", dst.Elem().Interface(), v)
				}
				assertNoSharing(t, src.Elem(), dst.Elem())
			}
			l.Done()
		})
	}
}

// TestClonePlain clones an argument in place, as the callee's copy does.
func TestClonePlain(t *testing.T) {
	orig := []plainRecord{samplePlain(), samplePlain()}
	v := orig
	ClonePlain(PlainOf[[]plainRecord](), unsafe.Pointer(&v))
	if !reflect.DeepEqual(v, orig) {
		t.Fatalf("cloned %#v, want %#v", v, orig)
	}
	assertNoSharing(t, reflect.ValueOf(orig), reflect.ValueOf(v))
}

// assertNoSharing fails if any string or slice of b shares memory with a.
func assertNoSharing(t *testing.T, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.String:
		if a.Len() > 0 && unsafe.StringData(a.String()) == unsafe.StringData(b.String()) {
			t.Errorf("a string shares memory: %q", a.String())
		}
	case reflect.Slice:
		if a.Len() > 0 && a.UnsafePointer() == b.UnsafePointer() {
			t.Errorf("a slice shares memory: %v", a)
		}
		if a.IsNil() != b.IsNil() {
			t.Errorf("nil %v became %v", a.IsNil(), b.IsNil())
		}
		for i := range a.Len() {
			assertNoSharing(t, a.Index(i), b.Index(i))
		}
	case reflect.Array:
		for i := range a.Len() {
			assertNoSharing(t, a.Index(i), b.Index(i))
		}
	case reflect.Struct:
		for i := range a.NumField() {
			assertNoSharing(t, a.Field(i), b.Field(i))
		}
	}
}
