//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// needTool skips the test when a host's tool is missing, except in CI, where
// every host must run (HOTPATCH_REQUIRE_HOSTS=1, set by .ci/run).
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("HOTPATCH_REQUIRE_HOSTS") == "1" {
			t.Fatalf("%s is required here: %v", name, err)
		}
		t.Skipf("skipping: %s is not installed (install it to run this host)", name)
	}
	return path
}

// TestPythonHost loads the library straight from the build output with
// ctypes, and watches it by polling instead of file events.
func TestPythonHost(t *testing.T) {
	python := needTool(t, "python3")
	l := newLib(t)
	l.mustBuild()
	h := startHost(t, []string{"HOTPATCH_POLL=100ms"}, python, "testdata/hosts/host.py", l.out)
	h.expect("compute 2", "2001")
	h.expect("greet py", "hello py v1")
	h.expect("plain bob t1,t2", plainWant(1))
	h.expect("add 2", "2")
	h.expect("statics", "1")
	h.expect("flags", "0")

	l.setVersion(1, 2)
	l.edit("const step = 1", "const step = 3")
	l.mustBuild()
	h.await("compute 2", "2002")
	h.expect("greet py", "hello py v2")
	h.expect("plain bob t1,t2", plainWant(2))
	h.expect("add 2", "8")
	h.expect("statics", "1")
	h.expect("flags", "3")
	if got := h.do("trypanic -1"); !strings.HasPrefix(got, "*hotpatch.PanicError|negative -1 in version 2|") {
		t.Errorf("trypanic: %q", got)
	}
	h.awaitLog("polling the build output, as HOTPATCH_POLL asks")

	l.setVersion(2, 3)
	l.mustBuild()
	h.await("compute 2", "2003")
}
