package build

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpatch-go/hotpatch/internal/version"
	"golang.org/x/tools/go/packages"
)

func writeGoMod(t *testing.T, dir, content string) string {
	t.Helper()
	name := filepath.Join(dir, "go.mod")
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestModuleFromGoMod(t *testing.T) {
	dir := t.TempDir()
	cache := t.TempDir()
	env := []string{"GOMODCACHE=" + cache}
	for _, c := range []struct {
		gomod string
		want  *hotpatchModule
	}{
		{"module example.com/lib\n", nil},
		{"module example.com/lib\nrequire github.com/hotpatch-go/hotpatch v1.2.0\n", &hotpatchModule{Version: "v1.2.0"}},
		{"module example.com/lib\nrequire github.com/hotpatch-go/hotpatch v1.2.0\nreplace github.com/hotpatch-go/hotpatch => ../hp\n",
			&hotpatchModule{Version: "v1.2.0", Replaced: "../hp", Dir: filepath.Join(dir, "../hp")}},
		{"module example.com/lib\nrequire github.com/hotpatch-go/hotpatch v1.2.0\nreplace github.com/hotpatch-go/hotpatch v1.1.0 => ../hp\n",
			&hotpatchModule{Version: "v1.2.0"}},
		{"module example.com/lib\nrequire github.com/hotpatch-go/hotpatch v1.2.0\nreplace github.com/hotpatch-go/hotpatch => example.com/fork v1.3.0\n",
			&hotpatchModule{Version: "v1.3.0"}},
	} {
		got, err := moduleFromGoMod(writeGoMod(t, dir, c.gomod), env)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%s: got %+v, want %+v", c.gomod, got, c.want)
		}
	}
	// A version in the module cache is found there.
	os.MkdirAll(filepath.Join(cache, "github.com/hotpatch-go/hotpatch@v1.2.0"), 0o755)
	got, _ := moduleFromGoMod(writeGoMod(t, dir, "module example.com/lib\nrequire github.com/hotpatch-go/hotpatch v1.2.0\n"), env)
	if got == nil || got.Dir != filepath.Join(cache, "github.com/hotpatch-go/hotpatch@v1.2.0") {
		t.Errorf("in the module cache: %+v", got)
	}
}

func TestCheckModule(t *testing.T) {
	root, _ := filepath.Abs("../..")
	an := &analysis{gomod: filepath.Join(t.TempDir(), "go.mod"), module: "example.com/lib"}
	// This checkout is the source this hotpatch generates code for.
	an.hotpatch = resolvedModule(&packages.Module{Path: version.ModulePath, Version: "v0.0.0", Replace: &packages.Module{Path: root, Dir: root}})
	if err := checkModule(an, nil); err != nil {
		t.Errorf("this checkout: %v", err)
	}
	an.hotpatch = &hotpatchModule{Version: "v0.1.0"}
	err := checkModule(an, nil)
	for _, want := range []string{"uses github.com/hotpatch-go/hotpatch v0.1.0, and this hotpatch is", "go install github.com/hotpatch-go/hotpatch/cmd/hotpatch@v0.1.0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("another version: %v, want %q", err, want)
		}
	}
	an.gomod = ""
	if err := checkModule(an, nil); err == nil || !strings.Contains(err.Error(), "is not in a module") {
		t.Errorf("no module: %v", err)
	}
}
