package build

import (
	gobuild "go/build"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestPkgPath checks that a package given as files keeps the identity that
// its folder has in the module, so that its marked functions match whether
// a build names it by folder or by files.
func TestPkgPath(t *testing.T) {
	res := &analysis{gomod: "/src/lib/go.mod", module: "example.com/lib"}
	for _, c := range []struct{ path, file, want string }{
		{"example.com/lib/game", "/src/lib/game/main.go", "example.com/lib/game"},
		{"command-line-arguments", "/src/lib/main.go", "example.com/lib"},
		{"command-line-arguments", "/src/lib/cmd/game/main.go", "example.com/lib/cmd/game"},
		{"command-line-arguments", "/elsewhere/main.go", "command-line-arguments"},
	} {
		if got := pkgPath(&packages.Package{PkgPath: c.path, GoFiles: []string{c.file}}, res); got != c.want {
			t.Errorf("pkgPath(%s in %s) = %s, want %s", c.path, c.file, got, c.want)
		}
	}
}

func TestImportsOf(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.go":         "package main\nimport (\n\t\"C\"\n\t\"fmt\"\n\t\"unsafe\"\n)\n",
		"b_windows.go": "package main\nimport \"golang.org/x/sys/windows\"\n",
		"c.go":         "//go:build !hotpatch\n\npackage main\nimport \"os\"\n",
		"d.go":         "package main\nimport \"fmt\"\nimport \"strings\"\n",
		"e_test.go":    "package main\nimport \"testing\"\n",
	}
	var names []string
	for n, src := range files {
		os.WriteFile(filepath.Join(dir, n), []byte(src), 0o644)
		names = append(names, filepath.Join(dir, n))
	}
	slices.Sort(names)
	target := gobuild.Default
	target.GOOS, target.BuildTags = "linux", []string{"hotpatch"}
	got, err := importsOf(&target, names)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"fmt", "strings"}) {
		t.Errorf("importsOf = %q, want fmt strings", got)
	}
}
