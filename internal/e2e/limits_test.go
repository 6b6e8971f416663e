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
	l := newLib(t)
	l.mustBuild()
	h := startHost(t, nil, cHost(t), "-tls-spare", "2", "-filler", filler, l.out)
	h.expect("compute 1", "1001")

	l.setVersion(1, 2)
	l.mustBuild()
	h.await("compute 1", "1002")

	l.setVersion(2, 3)
	l.mustBuild()
	h.awaitLog("out of static TLS", "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=", "Restart the process", "keeps running its current code")
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
func TestUnrecoveredPanic(t *testing.T) {
	l := newLib(t)
	l.mustBuild()
	run := func(h *host) (string, int) {
		h.stdin.Write([]byte("maypanic -1\n"))
		<-h.done
		return h.stderr.String(), h.cmd.ProcessState.ExitCode()
	}

	plainLog, plainCode := run(startHost(t, nil, cHost(t), l.out))
	if !strings.Contains(plainLog, "panic: negative -1 in version 1") {
		t.Fatalf("unpatched panic:\n%s", plainLog)
	}

	h := startHost(t, nil, cHost(t), l.out)
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
