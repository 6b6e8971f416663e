package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/scaffold"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hotpatch": func() { main() },
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
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfor": waitFor,
		},
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

// TestNoRuntime checks that the command links neither the runtime that
// libraries link (rt, with cgo) nor the runtime's watcher of build outputs.
func TestNoRuntime(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasSuffix(p, "hotpatch/rt") || strings.HasSuffix(p, "hotpatch/internal/watch") {
			t.Errorf("the command links %s", p)
		}
	}
}

// waitFor is the scenarios' command waitfor FILE COUNT REGEXP: it waits, up
// to a minute, until FILE, the output of a command running in the
// background, holds COUNT lines that match REGEXP.
func waitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: waitfor FILE COUNT REGEXP")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("waitfor: count %q: %v", args[1], err)
	}
	re, err := regexp.Compile(args[2])
	if err != nil {
		ts.Fatalf("waitfor: %v", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		data, _ := os.ReadFile(ts.MkAbs(args[0]))
		if len(re.FindAllIndex(data, -1)) >= n {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfor: %s has fewer than %d lines matching %q:\n%s", args[0], n, args[2], data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
