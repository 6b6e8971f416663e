package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpatch-go/hotpatch/internal/scaffold"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hotpatch": func() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the scenarios in testdata/*.txt. Each starts in a module
// example.com/lib that requires hotpatch from this checkout, which $ROOT
// names.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "env", "-json", "GOCACHE", "GOMODCACHE", "GOPROXY", "GOPATH").Output()
	if err != nil {
		t.Fatal(err)
	}
	var goEnv map[string]string
	if err := json.Unmarshal(out, &goEnv); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			env.Setenv("ROOT", root)
			// Wine's prefix, which .ci/wine/setup prepared under the real
			// home: the scripts run with another HOME.
			if prefix := os.Getenv("WINEPREFIX"); prefix != "" {
				env.Setenv("WINEPREFIX", prefix)
			} else if home, err := os.UserHomeDir(); err == nil {
				env.Setenv("WINEPREFIX", filepath.Join(home, ".wine"))
			}
			env.Setenv("WINEDEBUG", "-all")
			return scaffold.Module(env.WorkDir, "example.com/lib", root, nil)
		},
	})
}

// TestNoFileEvents checks that the command does not link fsnotify: watching
// for new builds is the runtime's job, and publishing them is this command's.
func TestNoFileEvents(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "fsnotify") || strings.HasSuffix(p, "hotpatch/internal/watch") {
			t.Errorf("the command links %s", p)
		}
	}
}
