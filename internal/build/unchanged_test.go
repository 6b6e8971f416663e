package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestSourceDigest edits a cgo library as a developer does: comments,
// formatting and moved lines keep the digest; code, the cgo preamble, a
// directive, a header, an embedded file, go.mod, a build flag or the
// target change it.
func TestSourceDigest(t *testing.T) {
	const src = `package main

/*
#include "native.h"
*/
import "C"

import (
	_ "embed"
	"fmt"
)

//go:embed greeting.txt
var greeting string

//export F
func F(x C.int) C.int { return C.int(len(fmt.Sprint(greeting, x))) }

func main() {}
`
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":       "module example.com/x\n\ngo 1.24\n",
		"main.go":      src,
		"native.h":     "static int twice(int x) { return 2 * x; }\n",
		"greeting.txt": "hello",
		"lib.h":        "/* the library's header, which go build writes */",
	}
	write := func(edits map[string]string) {
		for name, data := range files {
			if e, ok := edits[name]; ok {
				data = e
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	digest := func(a *Args, env []string, edits map[string]string) string {
		t.Helper()
		write(edits)
		cfg := &packages.Config{
			Dir:  dir,
			Env:  append(os.Environ(), "CGO_ENABLED=1", "GOFLAGS=-mod=mod"),
			Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps | packages.NeedModule | packages.NeedEmbedFiles,
		}
		roots, err := packages.Load(cfg, ".")
		if err != nil {
			t.Fatal(err)
		}
		var pkgs []*packages.Package
		packages.Visit(roots, nil, func(p *packages.Package) { pkgs = append(pkgs, p) })
		d, err := sourceDigest(a, filepath.Join(dir, a.Output), env, pkgs)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	args := &Args{Output: "lib.so"}
	base := digest(args, nil, nil)
	edit := func(old, new string) map[string]string {
		if !strings.Contains(src, old) {
			t.Fatalf("main.go has no %q", old)
		}
		return map[string]string{"main.go": strings.Replace(src, old, new, 1)}
	}
	for what, edits := range map[string]map[string]string{
		"a comment":            edit("//export F", "// F says hello,\n// over two lines.\n//\n//export F"),
		"formatting":           edit("func main() {}", "func main() {\n}\n\n\n"),
		"a line comment":       edit("return C.int", "/* why */ return C.int"),
		"the trailing \n":      edit("func main() {}\n", "func main() {}"),
		"the library's header": {"lib.h": "/* written by go build */"},
	} {
		if got := digest(args, nil, edits); got != base {
			t.Errorf("%s changed the digest", what)
		}
	}
	for what, c := range map[string]struct {
		args  *Args
		env   []string
		edits map[string]string
	}{
		"a string":          {edits: edit(`greeting, x`, `greeting, "!", x`)},
		"the cgo preamble":  {edits: edit(`#include "native.h"`, `#include "native.h"`+"\n#define N 1")},
		"an export":         {edits: edit("//export F", "//export G")},
		"a directive":       {edits: edit("//export F\n", "//export F\n//go:noinline\n")},
		"a header":          {edits: map[string]string{"native.h": "static int twice(int x) { return x + x; }\n"}},
		"an embedded file":  {edits: map[string]string{"greeting.txt": "hullo"}},
		"go.mod":            {edits: map[string]string{"go.mod": "module example.com/x\n\ngo 1.25\n"}},
		"a build flag":      {args: &Args{Output: "lib.so", Flags: []string{"-trimpath"}}},
		"the target":        {env: []string{"GOOS=windows"}},
		"the rollback flag": {args: &Args{Output: "lib.so", Rollback: true}},
	} {
		a := args
		if c.args != nil {
			a = c.args
		}
		if got := digest(a, c.env, c.edits); got == base {
			t.Errorf("%s kept the digest", what)
		}
	}
}
