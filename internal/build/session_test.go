package build

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/scaffold"
	"golang.org/x/tools/go/packages"
)

// TestSession checks when a session's analysis stays warm, and when it must
// ask go list again: after every change that can change what go list says.
func TestSession(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	err = scaffold.Module(dir, "example.com/lib", root, map[string][]byte{
		"main.go": []byte(`package main

import "C"

import "example.com/lib/util"

//hotpatch:func
func step(x int) int { return util.Twice(x) }

func main() {}
`),
		"util/util.go": []byte("package util\n\nfunc Twice(x int) int { return 2 * x }\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	env, err := buildEnv(os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the warm analysis on disk
	a := &Args{Dir: dir, Output: "build/lib.so", Packages: []string{"."}}
	s := new(Session)
	// Files written in this test must look older than the analysis that
	// reads them: a file that changes while go list runs is never trusted.
	age := func(name string) {
		old := time.Now().Add(-time.Minute)
		if err := os.Chtimes(filepath.Join(dir, name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"main.go", "util/util.go", "go.mod", "go.sum"} {
		age(f)
	}
	edit := func(name, old, new string) {
		t.Helper()
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), old) {
			t.Fatalf("%s holds no %q", name, old)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		age(name)
	}
	analyzeWarm := func(what string, want bool) *analysis {
		t.Helper()
		an, err := analyze(context.Background(), a, env, s)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if an.warm != want {
			t.Errorf("%s: warm %v, want %v", what, an.warm, want)
		}
		return an
	}
	analyzeWarm("the first analysis", false)
	analyzeWarm("nothing changed", true)
	edit("main.go", "return util.Twice(x)", "return util.Twice(x) + 1")
	an := analyzeWarm("a body of the main package changed", true)
	if len(an.funcs) != 1 || !strings.Contains(string(an.overlay[filepath.Join(dir, "main.go")]), "util.Twice(x) + 1") {
		t.Errorf("the warm analysis did not rewrite the new body: %d functions", len(an.funcs))
	}
	// A new session, as in the next hotpatch build, finds the analysis on
	// disk, with the types of the imports read from their export data.
	s = new(Session)
	an = analyzeWarm("a new session", true)
	if len(an.funcs) != 1 || !strings.Contains(string(an.overlay[filepath.Join(dir, "main.go")]), "util.Twice(x) + 1") {
		t.Errorf("the analysis from disk did not rewrite the body: %d functions", len(an.funcs))
	}
	edit("main.go", `import "example.com/lib/util"`, "import (\n\t\"strings\"\n\n\t\"example.com/lib/util\"\n)\n\nvar _ = strings.ToUpper")
	analyzeWarm("an import added to the main package", false)
	analyzeWarm("then nothing changed", true)
	edit("util/util.go", "func Twice", "func Thrice(x int) int { return 3 * x }\n\nfunc Twice")
	analyzeWarm("another local package changed", false)
	if err := os.WriteFile(filepath.Join(dir, "extra.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	age("extra.go")
	analyzeWarm("a file added to the main package", false)
	edit("main.go", "func main() {}", "//hotpatch:func\nfunc other() {}\n\nfunc main() {}")
	analyzeWarm("a second marked function", true)
	edit("go.mod", "go 1.26", "go 1.26\n\n// a comment")
	analyzeWarm("go.mod changed", false)
	analyzeWarm("then nothing changed", true)
	a.Tags = []string{"extra"}
	analyzeWarm("other tags", false)
	s = new(Session)
	analyzeWarm("other tags, in a new session", true)
	// Export data that is gone, as after go clean -cache.
	file := diskPath(a, env)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	gone := regexp.MustCompile(`"(/[^"]+)"\}`).ReplaceAll(data, []byte(`"/nonexistent/export-d"}`))
	if err := os.WriteFile(file, gone, 0o644); err != nil {
		t.Fatal(err)
	}
	s = new(Session)
	analyzeWarm("export data gone", false)
	if err := os.RemoveAll(os.Getenv("XDG_CACHE_HOME")); err != nil {
		t.Fatal(err)
	}
	s = new(Session)
	analyzeWarm("nothing on disk", false)

	// A file that changes while go list runs: the next analysis asks again.
	edit("util/util.go", "func Thrice", "func Four(x int) int { return 4 * x }\n\nfunc Thrice")
	if err := os.Chtimes(filepath.Join(dir, "util/util.go"), time.Now().Add(time.Minute), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	analyzeWarm("a local package changed", false)
	analyzeWarm("a file newer than the last analysis", false)
}

// TestExportData checks that types read back from the export files go list
// named check a file as the types go list loaded do: packages that share
// dependencies, read into one map in any order.
func TestExportData(t *testing.T) {
	env, err := buildEnv(os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &packages.Config{Dir: ".", Env: env}
	paths := []string{"fmt", "strings", "os", "time", "encoding/json", "github.com/vmihailenco/msgpack/v5"}
	im, err := loadImports(context.Background(), cfg, paths)
	if err != nil {
		t.Fatal(err)
	}
	const src = `package p

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

func f(w *os.File, d time.Duration) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %s", d.Round(time.Second), w.Name())
	data, err := json.Marshal(map[string]any{"b": b.String()})
	if err != nil {
		return "", err
	}
	_, err = msgpack.Marshal(data)
	return b.String(), err
}
`
	for _, order := range [][]string{paths, {"github.com/vmihailenco/msgpack/v5", "encoding/json", "time", "os", "strings", "fmt"}} {
		fset := token.NewFileSet()
		shared := map[string]*types.Package{}
		read := map[string]*types.Package{}
		for _, path := range order {
			p, err := readExportData(fset, shared, path, im.exports[path])
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			read[path] = p
		}
		f, err := parser.ParseFile(fset, "p.go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		var errs []error
		conf := types.Config{
			Importer: importerFunc(func(path string) (*types.Package, error) { return read[path], nil }),
			Error:    func(err error) { errs = append(errs, err) },
		}
		conf.Check("p", fset, []*ast.File{f}, nil)
		if len(errs) > 0 {
			t.Errorf("read in the order %q: %v", order, errs)
		}
	}
}
