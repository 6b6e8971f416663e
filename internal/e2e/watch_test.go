//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWatch runs hotpatch watch beside a C host that has the library loaded,
// and saves edits as a developer does: each save reaches the host's running
// code, and watch prints what the host did with it, naming its pid.
func TestWatch(t *testing.T) { testWatch(t, linux) }

// TestWindowsWatch is TestWatch for a DLL in a mingw-built host under Wine,
// which reports through the same files.
func TestWindowsWatch(t *testing.T) { testWatch(t, windows(t)) }

func testWatch(t *testing.T, p *platform) {
	l := newLibOn(t, p, "testdata/lib")
	w := l.startWatch()
	w.awaitCount(`hotpatch: built libtest`, 1)
	w.awaitCount(`hotpatch watch: watching \d+ folders`, 1)

	h := l.startHost(nil, "host", l.out)
	h.expect("compute 7", "7001")
	pid := regexp.QuoteMeta(h.do("pid"))

	// A save reaches the host, and the report names it. (Each edit is one
	// save.)
	l.edit("const version = 1\n", "const version = 2\n")
	w.awaitCount(`hotpatch: built libtest`, 2)
	w.awaitCount(`  pid `+pid+` \(host(\.exe)?\): applied in \d\S*: 14 patched, copy \d+ of about \d+`, 1)
	h.expect("compute 7", "7002")

	// A signature change: the report names the function kept on its old
	// body, and why.
	l.edit("const version = 2\n", "const version = 3\n",
		"func shape(a int32) int32 { return a + version }", "func shape(a int64) int32 { return int32(a) + version }",
		"shape(int32(a))", "shape(int64(a))")
	w.awaitCount(`  pid `+pid+` \(host(\.exe)?\): applied in \d\S*: 13 patched, 1 kept on their old body`, 1)
	w.awaitCount(`    kept example\.com/testlib\.shape: its signature .* changed: restart the process`, 1)
	h.expect("compute 7", "7003")
	h.expect("shape 1", "3")

	// A compile error is printed as go build prints it; the next good save
	// applies.
	l.edit("return x*1000 + version", "return x*1000 + version +")
	w.awaitCount(`main\.go:\d+:\d+: `, 1)
	w.awaitCount(`hotpatch watch: go build failed; \S+ is unchanged`, 1)
	h.expect("compute 7", "7003")
	l.edit("const version = 3\n", "const version = 4\n", "return x*1000 + version +", "return x*1000 + version")
	w.awaitCount(`  pid `+pid+` \(host(\.exe)?\): applied`, 3)
	h.expect("compute 7", "7004")

	// A save that adds a file, with an import of its own, and makes a marked
	// function call it: the warm analysis does not hold, go list is asked
	// again, and the build reaches the host. (Both files are written well
	// within the debounce: one build.)
	if err := os.WriteFile(filepath.Join(l.dir, "offset.go"), []byte("package main\n\nimport \"strconv\"\n\nfunc offset() int64 {\n\tn, _ := strconv.ParseInt(\"0\", 10, 64)\n\treturn n\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l.edit("return x*1000 + version", "return x*1000 + version + offset()")
	w.awaitCount(`  pid `+pid+` \(host(\.exe)?\): applied`, 4)
	h.expect("compute 7", "7004")

	// A comment edit is reported unchanged, and the host loads no copy.
	copies := l.copies()
	loads := strings.Count(h.stderr.String(), "loaded new build")
	l.edit("func compute(x int64) int64 {", "// compute is the test's arithmetic.\nfunc compute(x int64) int64 {")
	w.awaitCount(`hotpatch: libtest\S+ unchanged: the new build runs the same code as build`, 1)
	time.Sleep(time.Second) // a copy that was published would be loaded by now
	if got := l.copies(); got != copies {
		t.Errorf("the comment edit left %d copies, want %d", got, copies)
	}
	if got := strings.Count(h.stderr.String(), "loaded new build"); got != loads {
		t.Errorf("the host loaded a build after the comment edit:\n%s", h.stderr)
	}
	h.expect("compute 7", "7004")
	w.stop()

	// hotpatch status lists the host, with its copies and memory; -json
	// says the same for tools, as hotpatch build -json does of a build.
	status := l.hotpatchCmd("status", "-o", l.out)
	if !regexp.MustCompile(`(?m)^pid ` + pid + ` \(host(\.exe)?\): started with build \S+ \S+ ago; build \S+ applied; copies: 4 of about \d+; memory \d+ MB$`).MatchString(status) {
		t.Errorf("hotpatch status printed:\n%s", status)
	}
	var st struct {
		PID  int `json:"pid"`
		Last struct {
			Result string `json:"result"`
			Copies int    `json:"copies"`
		} `json:"last"`
	}
	if err := json.Unmarshal([]byte(l.hotpatchCmd("status", "-json", "-o", l.out)), &st); err != nil || strconv.Itoa(st.PID) != h.do("pid") || st.Last.Result != "applied" || st.Last.Copies != 4 {
		t.Errorf("hotpatch status -json: %+v, %v", st, err)
	}
	l.edit("const version = 4\n", "const version = 5\n")
	var ev struct {
		Build     string `json:"build"`
		Processes []struct {
			Process struct {
				PID int `json:"pid"`
			} `json:"process"`
			Report struct {
				Result  string `json:"result"`
				Patched int    `json:"patched"`
			} `json:"report"`
		} `json:"processes"`
	}
	if err := json.Unmarshal([]byte(l.hotpatchCmd("build", "-json", "-wait", "30s", "-o", l.out, ".")), &ev); err != nil ||
		len(ev.Processes) != 1 || ev.Processes[0].Report.Result != "applied" || ev.Processes[0].Report.Patched != 13 {
		t.Errorf("hotpatch build -json: %+v, %v", ev, err)
	}
	h.expect("compute 7", "7005")
}

// hotpatchCmd runs hotpatch with args in the lib's folder, for its
// platform, and returns what it printed on stdout.
func (l *lib) hotpatchCmd(args ...string) string {
	l.t.Helper()
	cmd := exec.Command(l.hotpatch, args...)
	cmd.Dir, cmd.Env = l.dir, append(os.Environ(), l.p.buildEnv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		l.t.Fatalf("hotpatch %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// A watch is a running hotpatch watch.
type watch struct {
	t   *testing.T
	cmd *exec.Cmd
	out *lockedBuffer
}

// startWatch starts hotpatch watch on the lib, with a short debounce and a
// report wait long enough for Wine.
func (l *lib) startWatch() *watch {
	l.t.Helper()
	cmd := exec.Command(l.hotpatch, "watch", "-debounce", "50ms", "-wait", "30s", "-o", l.out, ".")
	cmd.Dir, cmd.Env = l.dir, append(os.Environ(), l.p.buildEnv...)
	w := &watch{t: l.t, cmd: cmd, out: &lockedBuffer{}}
	cmd.Stdout, cmd.Stderr = w.out, w.out
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if l.t.Failed() {
			l.t.Logf("hotpatch watch printed:\n%s", w.out)
		}
	})
	return w
}

// awaitCount waits until n lines of the watch's output match the regular
// expression re.
func (w *watch) awaitCount(re string, n int) {
	w.t.Helper()
	rx := regexp.MustCompile("(?m)" + re)
	deadline := time.Now().Add(wait)
	for len(rx.FindAllString(w.out.String(), -1)) < n {
		if time.Now().After(deadline) {
			w.t.Fatalf("hotpatch watch printed fewer than %d lines matching %q:\n%s", n, re, w.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop interrupts the watch, as Ctrl-C does, and checks that it stops
// cleanly.
func (w *watch) stop() {
	w.t.Helper()
	w.cmd.Process.Signal(syscall.SIGINT)
	if err := w.cmd.Wait(); err != nil {
		w.t.Errorf("hotpatch watch: %v", err)
	}
	if !strings.Contains(w.out.String(), "hotpatch watch: stopped") {
		w.t.Errorf("hotpatch watch did not say it stopped:\n%s", w.out)
	}
}

// copies counts the copies of the library that processes have loaded.
func (l *lib) copies() int {
	l.t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(l.out), ".hotpatch", "libtest.hotpatch-*"))
	if err != nil {
		l.t.Fatal(err)
	}
	return len(m)
}
