//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCHost loads the library in a C program from a copy in a mods folder, as
// a game does, and rebuilds it while the program runs.
func TestCHost(t *testing.T) { testCHost(t, linux) }

// TestWindowsCHost is TestCHost for a Windows DLL in a mingw-built host under
// Wine. Its preemption step checks that older copies keep preemption on
// Windows, where the runtime suspends threads instead of signalling them.
func TestWindowsCHost(t *testing.T) { testCHost(t, windows(t)) }

func testCHost(t *testing.T, p *platform) {
	l := newLibOn(t, p, "testdata/lib")
	l.mustBuild()
	mod := filepath.Join(t.TempDir(), "mods", "libtest"+p.ext)
	copyFile(t, l.out, mod)
	// A copy left behind by a process that has ended: no process has an id
	// above Linux's maximum, 2^22, and Windows ids stay far below it too.
	stale := filepath.Join(filepath.Dir(l.out), ".hotpatch", fmt.Sprintf("libtest.hotpatch-%d-1%s", 1<<22+1, p.ext))
	copyFile(t, l.out, stale)

	h := l.startHost(nil, "host", mod)

	h.expect("compute 7", "7001")
	h.expect("greet bob", "hello bob v1")
	h.expect("plain bob t1,t2", plainWant(1))
	h.expect("add 5", "5")
	h.expect("dot 2 3", "32")
	h.expect("statics", "1")
	h.expect("statics", "2")
	h.expect("flags", "0")
	h.expect("shape 1", "2")
	h.expect("sum 1 2 3", "6")
	h.expect("divmod 17 5", "3002")
	h.awaitLog("removed the copies of ended processes")
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale copy %s is still there: %v", stale, err)
	}

	t.Run("patch", func(t *testing.T) {
		h.t = t
		l.setVersion(1, 2)
		l.edit("const step = 1", "const step = 10", "return v.X*w.X + v.Y*w.Y", "return v.X*w.X - v.Y*w.Y")
		l.mustBuild()
		h.await("compute 7", "7002")
		h.expect("greet bob", "hello bob v2")
		// Plain data both ways: strings, slices and a struct of them, a
		// result longer than the frame's room, a slice copied back.
		h.expect("plain bob t1,t2", plainWant(2))
		// The counter lives in the host-loaded copy and survives the patch;
		// the new body adds ten times as much.
		h.expect("add 1", "15")
		h.expect("dot 2 3", "-28")
		// Package-level variables of the new copy start from their initial
		// values.
		h.expect("statics", "1")
		// IsHotpatched is true in the new copy, already during its init.
		h.expect("flags", "3")
		h.expect("shape 1", "3")
		h.expect("sum 1 2 3", "12")
		h.expect("divmod 17 5", "3002")
		h.awaitLog(`msg="hotpatch: loaded new build"`, "patched=14 kept=0")
		// Records of the new copy reach the logger of the original copy.
		if !regexp.MustCompile(`level=DEBUG msg="hotpatch: copy attached".*logger=root`).MatchString(h.stderr.String()) {
			t.Errorf("the new copy's record did not reach the original copy's logger:\n%s", h.stderr)
		}
	})

	t.Run("panic", func(t *testing.T) {
		h.t = t
		h.expect("trypanic 3", "none")
		got := h.do("trypanic -5")
		kind, rest, _ := strings.Cut(got, "|")
		value, stack, _ := strings.Cut(rest, "|")
		if kind != "*hotpatch.PanicError" || value != "negative -5 in version 2" {
			t.Errorf("recover saw %s %q, want *hotpatch.PanicError \"negative -5 in version 2\"", kind, value)
		}
		if !strings.Contains(stack, "main.mayPanic") || !strings.Contains(stack, "main.go:") {
			t.Errorf("the panic's stack does not show the new copy's mayPanic:\n%s", strings.ReplaceAll(stack, `\`, "\n"))
		}
		// The host-loaded copy keeps working after the panic.
		h.expect("compute 8", "8002")
	})

	t.Run("preemption", func(t *testing.T) {
		h.t = t
		// A GC in the original, now older, copy while a goroutine spins in a
		// call-free loop: on Linux it completes only if that copy still
		// receives its SIGURG through the dispatcher; on Windows, only if the
		// copy can still suspend its threads.
		if us, err := strconv.Atoi(h.do("spingc")); err != nil || us < 0 {
			t.Fatalf("spingc: %v", err)
		}
	})

	t.Run("signature change", func(t *testing.T) {
		h.t = t
		l.setVersion(2, 3)
		l.edit("func shape(a int32) int32 { return a + version }", "func shape(a int64) int32 { return int32(a) + version }",
			"shape(int32(a))", "shape(int64(a))")
		l.mustBuild()
		h.await("compute 7", "7003")
		// shape keeps the body of version 2; everything else is patched.
		h.expect("shape 1", "3")
		h.awaitLog(`func=example.com/testlib.shape`, "changed its signature", "patched=13 kept=1")
	})

	t.Run("broken build", func(t *testing.T) {
		h.t = t
		l.setVersion(3, 4)
		l.edit("return x*1000 + version", "return x*1000 + version +")
		out, err := l.build()
		if err == nil {
			t.Fatalf("a broken build succeeded:\n%s", out)
		}
		if !regexp.MustCompile(`\./main\.go:\d+:\d+: `).MatchString(out) {
			t.Errorf("the error does not point at the user's file:\n%s", out)
		}
		h.expect("compute 7", "7003")
		l.edit("return x*1000 + version +", "return x*1000 + version")
		l.mustBuild()
		h.await("compute 7", "7004")
	})

	t.Run("older copies call through the original", func(t *testing.T) {
		h.t = t
		// A goroutine that build 4's startTicker started keeps calling
		// compute in build 4's copy. Once build 5 applies, build 4's calls
		// go through the original copy, which forwards them to the
		// newest build; build 6's apply does not touch build 4's copy.
		h.expect("ticker", "1")
		h.await("tick", "7004")
		for v := 5; v <= 6; v++ {
			l.setVersion(v-1, v)
			l.mustBuild()
			h.await("compute 7", strconv.Itoa(7000+v))
			h.await("tick", strconv.Itoa(7000+v))
		}
		// Build 6, the process's fifth copy (the broken build made none),
		// called into fewer copies than the process holds: build 2's copy
		// calls through the original copy. The copies of builds 3 and 4,
		// whose shape has another signature than the original's, are
		// pointed at each build.
		m := h.awaitMatch(regexp.MustCompile(`msg="hotpatch: pointed the copies whose slots changed".* pointed=(\d+) copies=5`))
		if m[1] != "4" {
			t.Errorf("build 6's apply pointed %s of the 5 copies, want 4: the new one, the old one, and the two that run shape with its new signature", m[1])
		}
	})
}

// plainWant is what the plain command answers in version v.
func plainWant(v int) string {
	return fmt.Sprintf("v%[1]d bob tags=t1,t2 raw=0102 parts=x/y | bob! v%[1]d,t1,t2 01020%[1]d y/x | A%[1]d,B%[1]d,n2 | A%[1]d,B%[1]d | %[2]d true", v, 300*v)
}
