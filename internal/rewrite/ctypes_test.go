package rewrite

import (
	"fmt"
	"go/types"
	"runtime"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestCTypes compares the C numeric types that CTypes declares with the
// types cgo gives the same names on this machine.
func TestCTypes(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("CTypes knows amd64 only")
	}
	c := CTypes(runtime.GOOS, runtime.GOARCH)
	var names []string
	for _, name := range c.Scope().Names() {
		names = append(names, name)
	}
	sort.Strings(names)
	var src strings.Builder
	src.WriteString("package main\n\n// #include <stddef.h>\n// #include <stdint.h>\nimport \"C\"\n\n")
	for i, name := range names {
		fmt.Fprintf(&src, "var V%d C.%s\n", i, name)
	}
	src.WriteString("\nfunc main() {}\n")
	pkg := cgoTypes(t, []txtar.File{{Name: "main.go", Data: []byte(src.String())}})
	for i, name := range names {
		want := pkg.Scope().Lookup(fmt.Sprintf("V%d", i)).Type().Underlying()
		got := c.Scope().Lookup(name).Type().Underlying()
		if !types.Identical(got, want) {
			t.Errorf("C.%s: CTypes says %s, cgo says %s", name, got, want)
		}
	}
}
