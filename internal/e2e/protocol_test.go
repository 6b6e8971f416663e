//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOtherProtocol rebuilds the library with a hotpatch that speaks another
// version of the protocol between copies, and against its runtime, as after
// an upgrade of hotpatch while the host runs. The copy must be refused with a log that says
// so, and the process must keep its code: misreading another version's
// frames would corrupt both runtimes.
func TestOtherProtocol(t *testing.T) {
	// A copy of this module, but for its protocol.
	other := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(root, "*.go"))
	files = append(files, filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"), filepath.Join(root, "rt"), filepath.Join(root, "internal"), filepath.Join(root, "cmd"))
	cp := exec.Command("cp", append(append([]string{"-r"}, files...), other)...)
	if out, err := cp.CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	export := filepath.Join(other, "rt", "export.go")
	src, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "const protocol = ") {
		t.Fatal("rt/export.go declares no protocol")
	}
	src = []byte(strings.Replace(string(src), "const protocol = ", "const protocol = 1000 + ", 1))
	if err := os.WriteFile(export, src, 0o644); err != nil {
		t.Fatal(err)
	}
	// The hotpatch of that version, which generates code for its runtime.
	otherBin := filepath.Join(t.TempDir(), "hotpatch")
	for _, args := range [][]string{{"generate", "./internal/version"}, {"build", "-o", otherBin, "./cmd/hotpatch"}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = other
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	l := newLib(t)
	l.mustBuild()
	h := startHost(t, nil, cHost(t), l.out)
	h.expect("compute 7", "7001")

	l.setVersion(1, 2)
	gomod := filepath.Join(l.dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gomod, []byte(strings.Replace(string(data), "=> "+root, "=> "+other, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	l.hotpatch = otherBin
	l.mustBuild()
	h.awaitLog("cannot load the new build", "speaks hotpatch protocol 100", "this copy speaks", "rebuild with the same hotpatch version, or restart")
	h.expect("compute 7", "7001")
}
