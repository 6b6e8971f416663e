//go:build linux

package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadLimit reaches glibc's limit of Go libraries per process. The host
// first uses up static TLS until two more Go libraries fit: the library
// itself and one reload. The second reload must fail cleanly, with a log that
// says what happened and what to do, and the process must keep running the
// code it has.
func TestReloadLimit(t *testing.T) {
	filler := filepath.Join(t.TempDir(), "libfiller.so")
	if out, err := exec.Command("cc", "-shared", "-fPIC", "-o", filler, "testdata/hosts/filler.c").CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	testReloadLimit(t, linux, []string{"-filler", filler},
		"out of static TLS", "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=")
}

// TestWindowsReloadLimit reaches the TLS-slot limit of Go 1.26 on Windows:
// runtimes whose TLS slot index is 64 or more share one TEB field and corrupt
// each other (go.dev/issue/59824). The host takes TLS slots until two more Go
// runtimes get one below 64; the second reload must be refused before it is
// loaded.
func TestWindowsReloadLimit(t *testing.T) {
	testReloadLimit(t, windows(t), nil, "TLS slot 64", "go.dev/issue/59824")
}

func testReloadLimit(t *testing.T, p *platform, hostArgs []string, why ...string) {
	l := newLibOn(t, p, "testdata/lib")
	l.mustBuild()
	h := l.startHost(nil, "host", append(append([]string{"-tls-spare", "2"}, hostArgs...), l.out)...)
	h.expect("compute 1", "1001")

	l.setVersion(1, 2)
	l.mustBuild()
	h.await("compute 1", "1002")

	l.setVersion(2, 3)
	l.mustBuild()
	h.awaitLog(append(why, "Restart the process", "keeps running its current code")...)
	h.expect("compute 1", "1002")
	h.expect("greet tls", "hello tls v2")

	// Later builds are refused the same way, and the process lives on.
	l.setVersion(3, 4)
	l.mustBuild()
	h.awaitCount("cannot load another copy", 2)
	h.expect("compute 1", "1002")
}

// TestUnrecoveredPanic checks that a panic in a patched body that nobody
// recovers ends the process as the same panic in the unpatched code does:
// with the panic's text and the same exit status, not a crash inside the
// other runtime.
func TestUnrecoveredPanic(t *testing.T) { testUnrecoveredPanic(t, linux) }

// TestWindowsUnrecoveredPanic is TestUnrecoveredPanic for a Windows DLL under
// Wine.
func TestWindowsUnrecoveredPanic(t *testing.T) { testUnrecoveredPanic(t, windows(t)) }

func testUnrecoveredPanic(t *testing.T, p *platform) {
	l := newLibOn(t, p, "testdata/lib")
	l.mustBuild()
	run := func(h *host) (string, int) {
		h.stdin.Write([]byte("maypanic -1\n"))
		<-h.done
		return h.stderr.String(), h.cmd.ProcessState.ExitCode()
	}

	plainLog, plainCode := run(l.startHost(nil, "host", l.out))
	if !strings.Contains(plainLog, "panic: negative -1 in version 1") {
		t.Fatalf("unpatched panic:\n%s", plainLog)
	}

	h := l.startHost(nil, "host", l.out)
	l.setVersion(1, 2)
	l.mustBuild()
	h.await("compute 1", "1002")
	log, code := run(h)
	if code != plainCode {
		t.Errorf("exit status %d, the unpatched panic exits with %d", code, plainCode)
	}
	for _, want := range []string{"panic: negative -1 in version 2", "[hot-patched build", "main.mayPanic", "goroutine "} {
		if !strings.Contains(log, want) {
			t.Errorf("the crash report has no %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "fatal error") || strings.Contains(log, "unexpected signal") {
		t.Errorf("the panic crashed a runtime:\n%s", log)
	}
}
