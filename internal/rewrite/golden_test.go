package rewrite

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// dir is where the test's packages pretend to live: the overlay is keyed by
// absolute paths, and the goldens show them.
const dir = "/src/example.com/lib"

// TestGolden rewrites each package in testdata/golden/*.txtar and compares
// the overlay with the files under want/. With -update it rewrites them
// instead. Each golden is also type-checked, generated code included,
// against the real rt package, as stringer's end-to-end test compiles its
// output.
func TestGolden(t *testing.T) {
	cases, _ := filepath.Glob("testdata/golden/*.txtar")
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	for _, name := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var inputs []txtar.File
			want := map[string][]byte{}
			for _, f := range ar.Files {
				if rest, ok := strings.CutPrefix(f.Name, "want/"); ok {
					want[rest] = f.Data
				} else {
					inputs = append(inputs, f)
				}
			}
			// A case may name its target: "target: linux/amd64".
			// Without one, no entry points are generated (they are
			// per target), and C's numeric types are linux/amd64's.
			var goos, goarch string
			for _, line := range strings.Split(string(ar.Comment), "\n") {
				if target, ok := strings.CutPrefix(line, "target: "); ok {
					goos, goarch, _ = strings.Cut(strings.TrimSpace(target), "/")
				}
			}
			p := loadPackage(t, inputs, cmp.Or(goos, "linux"), cmp.Or(goarch, "amd64"))
			p.GOOS, p.GOARCH = goos, goarch
			res, err := Rewrite(p)
			if errors.Is(err, ErrUnknownTypes) {
				// As hotpatch build does: the types again, with cgo.
				p.Types = cgoTypes(t, inputs)
				res, err = Rewrite(p)
			}
			if err != nil {
				t.Fatalf("Rewrite: %v", err)
			}
			overlay := res.Overlay
			got := map[string][]byte{}
			for path, data := range overlay {
				got[strings.TrimPrefix(path, dir+"/")] = data
			}
			if *update {
				ar.Files = inputs
				for _, n := range sortedKeys(got) {
					ar.Files = append(ar.Files, txtar.File{Name: "want/" + n, Data: got[n]})
				}
				if err := os.WriteFile(name, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, n := range sortedKeys(want) {
				if _, ok := got[n]; !ok {
					t.Errorf("the overlay has no %s", n)
				}
			}
			for _, n := range sortedKeys(got) {
				if !bytes.Equal(got[n], want[n]) {
					t.Errorf("%s differs from the golden (go test -run TestGolden -update rewrites it):\n%s", n, got[n])
				}
			}
			typeCheckOverlay(t, p, overlay)
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// loadPackage parses and type-checks files as the package main in dir, with
// cgo faked, as hotpatch build checks a package before its first build.
func loadPackage(t *testing.T, files []txtar.File, goos, goarch string) *Package {
	t.Helper()
	p := &Package{Fset: token.NewFileSet(), Sizes: types.SizesFor("gc", "amd64")}
	var syntax []*ast.File
	for _, f := range files {
		name := filepath.Join(dir, f.Name)
		file, err := parser.ParseFile(p.Fset, name, f.Data, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		p.Files = append(p.Files, &File{Name: name, Src: f.Data, Syntax: file})
		syntax = append(syntax, file)
	}
	// As hotpatch build checks it: C's numeric types known, other C types
	// unknown.
	ctypes := CTypes(goos, goarch)
	conf := types.Config{FakeImportC: ctypes == nil, Sizes: p.Sizes, Error: func(error) {}, Importer: importerFunc(func(path string) (*types.Package, error) {
		if path == "C" && ctypes != nil {
			return ctypes, nil
		}
		return importer.Default().Import(path)
	})}
	p.Info = NewInfo()
	p.Types, _ = conf.Check("example.com/lib", p.Fset, syntax, p.Info)
	return p
}

// cgoTypes type-checks files as a package with cgo run, in a module of
// their own.
func cgoTypes(t *testing.T, files []txtar.File) *types.Package {
	t.Helper()
	tmp := t.TempDir()
	os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module example.com/lib\n\ngo 1.26\n"), 0o644)
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(tmp, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgs, err := packages.Load(&packages.Config{Dir: tmp, Mode: packages.NeedTypes | packages.NeedName}, ".")
	if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		t.Fatalf("loading with cgo: %v %v", err, pkgs)
	}
	return pkgs[0].Types
}

var (
	rtOnce  sync.Once
	rtTypes *types.Package
	rtErr   error
)

// runtimeTypes returns the types of the package rt, as its export data has
// them.
func runtimeTypes(t *testing.T) *types.Package {
	t.Helper()
	rtOnce.Do(func() {
		var pkgs []*packages.Package
		pkgs, rtErr = packages.Load(&packages.Config{Mode: packages.NeedTypes | packages.NeedName, BuildFlags: []string{"-tags=hotpatch"}}, RuntimePath)
		if rtErr == nil && len(pkgs) == 1 && len(pkgs[0].Errors) == 0 {
			rtTypes = pkgs[0].Types
		} else if rtErr == nil {
			rtErr = packages.Error{Msg: "cannot load " + RuntimePath}
		}
	})
	if rtErr != nil {
		t.Fatal(rtErr)
	}
	return rtTypes
}

// typeCheckOverlay type-checks the package as go build would build it: the
// overlay's files in place of the user's, and the generated files beside
// them.
func typeCheckOverlay(t *testing.T, p *Package, overlay Overlay) {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	seen := map[string]bool{}
	add := func(name string, src []byte) {
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("the overlay does not parse: %v", err)
		}
		files = append(files, f)
		seen[name] = true
	}
	for _, f := range p.Files {
		if data, ok := overlay[f.Name]; ok {
			add(f.Name, data)
		} else {
			add(f.Name, f.Src)
		}
	}
	for _, name := range sortedKeys(overlay) {
		if !seen[name] {
			add(name, overlay[name])
		}
	}
	std := importer.Default()
	conf := types.Config{
		FakeImportC: true,
		Sizes:       p.Sizes,
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if path == RuntimePath {
				return runtimeTypes(t), nil
			}
			return std.Import(path)
		}),
	}
	var errs []string
	conf.Error = func(err error) {
		// Faked cgo leaves C's types unknown; the rest must check.
		if !strings.Contains(err.Error(), "C.") && !strings.Contains(err.Error(), "_Ctype_") {
			errs = append(errs, err.Error())
		}
	}
	conf.Check("example.com/lib", fset, files, nil)
	if len(errs) > 0 {
		t.Errorf("the overlay does not type-check:\n%s", strings.Join(errs, "\n"))
	}
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
