package rt

import (
	"slices"
	"testing"
)

// TestMarkedOnStacks reads a runtime.Stack dump as drain does: a goroutine
// with a marked function on its stack is in a call, unless it waits at the
// gate; a stack too deep to show whole counts as in one.
func TestMarkedOnStacks(t *testing.T) {
	dump := `goroutine 1 [running]:
main.idle()
	/src/main.go:10 +0x1d
created by main.init in goroutine 1

goroutine 7 [chan receive]:
` + atGateName + `(0xc000010000)
	/hotpatch/rt/gate.go:99 +0x45
main.step(...)
	/src/main.go:20 +0x39
_cgoexp_123_Step(0x0)
	_cgo_gotypes.go:50 +0x1c

goroutine 8 [running]:
main.helper(0x1, 0x2)
	/src/main.go:30 +0x11
main.(*World).Spawn(0xc000123456)
	/src/main.go:40 +0x22

goroutine 9 [running]:
main.deep()
	/src/main.go:50 +0x11
...10 frames elided...
main.root()
	/src/main.go:60 +0x11
`
	names := map[string]bool{"main.step": true, "main.(*World).Spawn": true}
	got := markedOnStacks([]byte(dump), names)
	want := []string{"a goroutine whose stack is too deep to read (goroutine 9 [running]:)", "main.(*World).Spawn"}
	if !slices.Equal(got, want) {
		t.Errorf("markedOnStacks = %q, want %q", got, want)
	}
}

func TestCompatible(t *testing.T) {
	const (
		world  = `{"k":"struct","n":"main.World","t":"main.World","f":[{"n":"Tick","s":{"k":"int","t":"int64"}},{"n":"Ents","s":{"k":"slice","t":"[]main.Ent","e":{"k":"struct","n":"main.Ent","t":"main.Ent","f":[{"n":"HP","s":{"k":"int","t":"int32"}}]}}}]}`
		added  = `{"k":"struct","n":"main.World","t":"main.World","f":[{"n":"Level","s":{"k":"int","t":"int"}},{"n":"Ents","s":{"k":"slice","t":"[]main.Ent","e":{"k":"struct","n":"main.Ent","t":"main.Ent","f":[{"n":"HP","s":{"k":"int","t":"int64"}}]}}},{"n":"Tick","s":{"k":"float","t":"float64"}}]}`
		retype = `{"k":"struct","n":"main.World","t":"main.World","f":[{"n":"Tick","s":{"k":"int","t":"int64"}},{"n":"Ents","s":{"k":"slice","t":"[]main.Ent","e":{"k":"struct","n":"main.Ent","t":"main.Ent","f":[{"n":"HP","s":{"k":"string","t":"string"}}]}}}]}`
		list   = `{"k":"struct","n":"main.Node","t":"main.Node","f":[{"n":"Next","s":{"k":"ref","r":"main.Node","t":"*main.Node"}},{"n":"V","s":{"k":"int","t":"int"}}]}`
		list2  = `{"k":"struct","n":"main.Node","t":"main.Node","f":[{"n":"Next","s":{"k":"ref","r":"main.Node","t":"*main.Node"}},{"n":"V","s":{"k":"string","t":"string"}}]}`
	)
	for _, c := range []struct {
		old, new, want string
	}{
		{world, world, ""},
		{world, added, ""}, // added, reordered, widened, int to float
		{world, retype, "field Ents[].HP changed from int32 to string"},
		{retype, world, "field Ents[].HP changed from string to int32"},
		{list, list, ""},
		{list, list2, "field V changed from int to string"},
		{`{"k":"int","t":"int"}`, `{"k":"slice","t":"[]int","e":{"k":"int","t":"int"}}`, "its value changed from int to []int"},
	} {
		err := compatibleSchemas(c.old, c.new)
		if got := ""; err != nil {
			got = err.Error()
			if got != c.want {
				t.Errorf("compatible(%s, %s) = %q, want %q", c.old, c.new, got, c.want)
			}
		} else if c.want != "" {
			t.Errorf("compatible(%s, %s) = nil, want %q", c.old, c.new, c.want)
		}
	}
}
