package rewrite

import (
	"testing"

	"golang.org/x/tools/txtar"
)

// fingerprintOf returns the fingerprint of the marked function f declared
// in src.
func fingerprintOf(t *testing.T, src string) string {
	t.Helper()
	p := loadPackage(t, []txtar.File{{Name: "main.go", Data: []byte("package main\n\n" + src)}}, "linux", "amd64")
	res, err := Rewrite(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Funcs {
		if f.ID == "example.com/lib.f" {
			return f.Fingerprint
		}
	}
	t.Fatalf("no marked f in:\n%s", src)
	return ""
}

// TestFingerprint checks what a new build may change in a marked function's
// signature and stay patched: names never count; in the default mode, kinds,
// sizes and offsets do; in checked mode, only the numbers of parameters and
// results.
func TestFingerprint(t *testing.T) {
	const base = "type P struct{ X int32; Y int64 }\n//hotpatch:func\nfunc f(p P, n int32) int64 { return 0 }"
	for _, c := range []struct {
		name, src string
		same      bool
	}{
		{"same source", base, true},
		{"parameter renamed", "type P struct{ X int32; Y int64 }\n//hotpatch:func\nfunc f(q P, m int32) int64 { return 0 }", true},
		{"field renamed", "type P struct{ A int32; B int64 }\n//hotpatch:func\nfunc f(p P, n int32) int64 { return 0 }", true},
		{"type renamed", "type Q struct{ X int32; Y int64 }\n//hotpatch:func\nfunc f(p Q, n int32) int64 { return 0 }", true},
		{"named type for its underlying type", "type N int32\ntype P struct{ X N; Y int64 }\n//hotpatch:func\nfunc f(p P, n N) int64 { return 0 }", true},
		{"fields of different sizes reordered", "type P struct{ Y int64; X int32 }\n//hotpatch:func\nfunc f(p P, n int32) int64 { return 0 }", false},
		{"field added", "type P struct{ X int32; Y int64; Z int8 }\n//hotpatch:func\nfunc f(p P, n int32) int64 { return 0 }", false},
		{"parameter type widened", "type P struct{ X int32; Y int64 }\n//hotpatch:func\nfunc f(p P, n int64) int64 { return 0 }", false},
		{"signedness changed", "type P struct{ X uint32; Y int64 }\n//hotpatch:func\nfunc f(p P, n int32) int64 { return 0 }", false},
		{"result added", "type P struct{ X int32; Y int64 }\n//hotpatch:func\nfunc f(p P, n int32) (int64, bool) { return 0, false }", false},
		{"mode changed", "type P struct{ X int32; Y int64 }\n//hotpatch:func checked\nfunc f(p P, n int32) int64 { return 0 }", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := fingerprintOf(t, c.src) == fingerprintOf(t, base); got != c.same {
				t.Errorf("same fingerprint = %v, want %v", got, c.same)
			}
		})
	}

	const checked = "type P struct{ X int32 }\n//hotpatch:func checked\nfunc f(p P, n int32) int64 { return 0 }"
	for _, c := range []struct {
		name, src string
		same      bool
	}{
		{"field changed and added", "type P struct{ X string; Z []int }\n//hotpatch:func checked\nfunc f(p P, n int32) int64 { return 0 }", true},
		{"parameter type changed", "type P struct{ X int32 }\n//hotpatch:func checked\nfunc f(p P, n string) int64 { return 0 }", true},
		{"parameter added", "type P struct{ X int32 }\n//hotpatch:func checked\nfunc f(p P, n, m int32) int64 { return 0 }", false},
	} {
		t.Run("checked/"+c.name, func(t *testing.T) {
			if got := fingerprintOf(t, c.src) == fingerprintOf(t, checked); got != c.same {
				t.Errorf("same fingerprint = %v, want %v", got, c.same)
			}
		})
	}
}

func TestApply(t *testing.T) {
	src := []byte("abcdef")
	got, err := apply(src, []edit{{off: 3, text: "X"}, {off: 0, text: "<"}, {off: 3, text: "Y"}, {off: 6, text: ">"}})
	if err != nil || string(got) != "<abcXYdef>" {
		t.Errorf("apply = %q, %v; want \"<abcXYdef>\"", got, err)
	}
	if _, err := apply(src, []edit{{off: 7, text: "X"}}); err == nil {
		t.Error("an edit past the end of the file was applied")
	}
}
