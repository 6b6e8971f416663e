//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestGoHost loads the library into a Go program. The host's runtime and
// every copy's must keep preemption: a GC with a goroutine spinning in a loop
// without calls completes, in the host and in the older copy, only through
// the SIGURG dispatcher.
func TestGoHost(t *testing.T) { testGoHost(t, linux) }

// TestWindowsGoHost is TestGoHost for a Go .exe loading a Go DLL under Wine,
// which the Go team calls unsupported (go.dev/issue/22192) and which works:
// here the host, too, must keep preemption across reloads.
func TestWindowsGoHost(t *testing.T) { testGoHost(t, windows(t)) }

// goHost returns the Go host built for p.
func goHost(t *testing.T, p *platform) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gohost"+p.exe)
	build := exec.Command("go", "build", "-o", bin, "./testdata/hosts/gohost")
	build.Env = append(os.Environ(), append(p.buildEnv, "CGO_ENABLED=1", "CC="+p.cc[0])...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the Go host: %v\n%s", err, out)
	}
	return bin
}

func testGoHost(t *testing.T, p *platform) {
	bin := goHost(t, p)
	l := newLibOn(t, p, "testdata/lib")
	l.mustBuild()
	h := startHost(t, p.hostEnv, append(p.run, bin, l.out)...)
	h.expect("compute 5", "5001")
	gcCompletes(t, h, "hostgc")

	l.setVersion(1, 2)
	l.mustBuild()
	h.await("compute 5", "5002")
	gcCompletes(t, h, "hostgc")
	gcCompletes(t, h, "spingc")

	l.setVersion(2, 3)
	l.mustBuild()
	h.await("compute 5", "5003")
	gcCompletes(t, h, "hostgc")
	gcCompletes(t, h, "spingc")
}

// TestGoHostCollectsWhileLoading runs collections of the Go host, each while
// a goroutine spins without calls, from before the host loads the library
// until 300 ms after, while the library's initialisation takes 100 ms
// (TESTLIB_EARLY_GC). It guards the bug where the library's runtime, from
// its start until hotpatch's packages had initialised, swallowed the host's
// SIGURG: the host's thread never received another, and its collection
// waited forever.
func TestGoHostCollectsWhileLoading(t *testing.T) {
	bin := goHost(t, linux)
	l := newLibOn(t, linux, "testdata/lib")
	l.mustBuild()
	h := startHost(t, append(linux.hostEnv, "TESTLIB_EARLY_GC=1"), append(linux.run, bin, "-gc-while-loading", "300ms", l.out)...)
	h.expect("compute 5", "5001")
	h.awaitLog("collections while the library loaded")
	gcCompletes(t, h, "hostgc")
	l.setVersion(1, 2)
	l.mustBuild()
	h.await("compute 5", "5002")
	gcCompletes(t, h, "hostgc")
}

// TestGoHostNeverSeesLibraryHandler watches the SIGURG handler from a
// thread of a Go host while the library loads and while two builds apply:
// the only handler other than the host's that it may ever see is the
// dispatcher. A library's runtime installs its own handler inside dlopen,
// and it used to stay installed until hotpatch's constructor put the
// dispatcher back: a runtime that started meanwhile swallowed the host's
// SIGURG with it, and a Go host's collection waited forever so, once in CI
// (TestGoHostCollectsWhileLoading). Linked with --wrap=sigaction, the
// library's runtime never installs it (rt/signals_linux.go).
func TestGoHostNeverSeesLibraryHandler(t *testing.T) {
	bin := goHost(t, linux)
	l := newLibOn(t, linux, "testdata/lib")
	l.mustBuild()
	h := startHost(t, linux.hostEnv, append(linux.run, bin, "-watch-urg", l.out)...)
	h.expect("compute 5", "5001")
	h.awaitLog("the signal dispatcher took this runtime's SIGURG handler as the runtime installed it")
	for v := 1; v <= 2; v++ {
		l.setVersion(v, v+1)
		l.mustBuild()
		h.await("compute 5", strconv.Itoa(5000+v+1))
	}
	if got := h.do("urg-seen"); got != "1" {
		t.Fatalf("the host saw %s SIGURG handlers other than its own, want 1, the dispatcher: a library's runtime had its own handler installed", got)
	}
}

// gcCompletes runs a spinning-loop GC command. Its time is logged, not
// checked: only completion is the property under test.
func gcCompletes(t *testing.T, h *host, command string) {
	t.Helper()
	us, err := strconv.Atoi(h.do(command))
	if err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	t.Logf("%s: the GC took %dµs", command, us)
}

// TestGoHostThreadExits ends threads of the Go host that called the
// library, each with a SIGURG pending as it ends (threadExits in the host).
// It guards the crash where that signal reached the host's handler through
// the dispatcher after the host had freed the thread's M (hp_skips_outside):
// about one in five full benchmark runs died so, with a segmentation fault
// and no Go traceback.
func TestGoHostThreadExits(t *testing.T) {
	bin := goHost(t, linux)
	l := newLibOn(t, linux, "testdata/lib")
	l.mustBuild()
	h := startHost(t, linux.hostEnv, append(linux.run, bin, l.out)...)
	h.expect("compute 5", "5001")
	h.expect("thread-exits 50", "50")
	l.setVersion(1, 2)
	l.mustBuild()
	h.await("compute 5", "5002")
	h.expect("thread-exits 50", "50")
	gcCompletes(t, h, "hostgc")
	gcCompletes(t, h, "spingc")
}
