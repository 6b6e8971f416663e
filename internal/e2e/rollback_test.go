//go:build linux

package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/hotpatch-go/hotpatch/internal/testenv"
)

// TestRollback builds with -rollback a body that panics: the function goes
// back to its previous body, the call runs again there, and the log says so.
// The next build tries the new code again.
func TestRollback(t *testing.T) {
	l := newLib(t)
	l.mustBuild()
	h := l.startHost(nil, "host", l.out)
	h.expect("risky 5", "51")

	const body = "return x*10 + version\n"
	l.setVersion(1, 2)
	l.edit(body, "panic(fmt.Sprintf(\"risky %d in version %d\", x, version))\n")
	l.mustBuild("-rollback")
	h.await("compute 1", "1002")
	// The original copy's own body, the only one before.
	h.expect("risky 5", "51")
	h.awaitLog(`msg="hotpatch: rolled back: a panic escaped the function's new body`, "func=example.com/testlib.risky", `panic="risky 5 in version 2"`)
	h.expect("risky 6", "61")

	// The next build tries the new code again.
	l.setVersion(2, 3)
	l.edit("panic(fmt.Sprintf(\"risky %d in version %d\", x, version))\n", body)
	l.mustBuild("-rollback")
	h.await("compute 1", "1003")
	h.expect("risky 5", "53")

	// And a panic there goes back to that build's body.
	l.setVersion(3, 4)
	l.edit(body, "panic(fmt.Sprintf(\"risky %d in version %d\", x, version))\n")
	l.mustBuild("-rollback")
	h.await("compute 1", "1004")
	h.expect("risky 5", "53")
	h.awaitLog(`panic="risky 5 in version 4"`)
}

// TestGODEBUG loads builds of Go 1.27 into a host whose original copy is of
// Go 1.26. Go 1.27 ends the process as its runtime starts when GODEBUG sets a
// setting that it removed: such a build is refused, with a log that names the
// setting, and the process keeps its code. Without it, the build loads, and
// the log says that the Go versions differ.
func TestGODEBUG(t *testing.T) {
	const next = "go1.27.3"
	if v, err := exec.Command("go", "env", "GOVERSION").Output(); err != nil || strings.TrimSpace(string(v)) >= "go1.27" {
		t.Skipf("the original copy must be of a Go older than 1.27, and the tests build with %s", v)
	}
	needToolchain(t, next)
	l := newLib(t)
	l.mustBuild()
	refusing := l.startHost([]string{"GODEBUG=asynctimerchan=1"}, "host", l.out)
	plain := l.startHost(nil, "host", l.out)
	refusing.expect("compute 1", "1001")
	plain.expect("compute 1", "1001")

	l.setVersion(1, 2)
	l.mustBuild("GOTOOLCHAIN=" + next)
	plain.await("compute 1", "1002")
	plain.awaitLog("the new build was made with another Go than the original copy", "go="+next)
	refusing.awaitLog("cannot load the new build", "GODEBUG=asynctimerchan=1", "a setting that Go 1.27 removed", "start the process without it")
	refusing.expect("compute 1", "1001")
}

// needToolchain skips the test, or fails it in CI, unless the go command can
// run the Go toolchain version (downloading it, if it may).
func needToolchain(t *testing.T, version string) {
	t.Helper()
	cmd := exec.Command("go", "version")
	cmd.Env = append(cmd.Environ(), "GOTOOLCHAIN="+version)
	if out, err := cmd.CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, version+" is not available: "+string(out))
	}
}
