//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/scaffold"
)

// The harness: a real hotpatch binary, real libraries in throwaway modules,
// and real host processes that the tests drive line by line while they rebuild
// the library. Nothing is mocked.

var (
	root        string // the repository
	hotpatchBin string
	binDir      string
)

// wait bounds every wait for a host. It is a liveness bound, not a speed
// assertion: a patch normally arrives within a second or two.
const wait = 90 * time.Second

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if root, err = filepath.Abs("../.."); err != nil {
		panic(err)
	}
	if binDir, err = os.MkdirTemp("", "hotpatch-e2e-"); err != nil {
		panic(err)
	}
	defer os.RemoveAll(binDir)
	hotpatchBin = filepath.Join(binDir, "hotpatch")
	build := exec.Command("go", "build", "-o", hotpatchBin, "./cmd/hotpatch")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building hotpatch: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// A lib is a copy of a library in testdata in a module of its own, which the
// test edits and rebuilds for a platform.
type lib struct {
	t        *testing.T
	p        *platform
	dir      string
	out      string
	hotpatch string // the hotpatch binary that builds it
}

func newLib(t *testing.T) *lib { return newLibOn(t, linux, "testdata/lib") }

func newLibFrom(t *testing.T, from string) *lib { return newLibOn(t, linux, from) }

func newLibOn(t *testing.T, p *platform, from string) *lib {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{}
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err == nil {
			files[filepath.ToSlash(rel)], err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := scaffold.Module(dir, "example.com/testlib", root, files); err != nil {
		t.Fatal(err)
	}
	return &lib{t: t, p: p, dir: dir, out: filepath.Join(dir, "build", "libtest"+p.ext), hotpatch: hotpatchBin}
}

// edit replaces old with new in main.go, each pair once.
func (l *lib) edit(oldNew ...string) {
	l.t.Helper()
	name := filepath.Join(l.dir, "main.go")
	data, err := os.ReadFile(name)
	if err != nil {
		l.t.Fatal(err)
	}
	s := string(data)
	for i := 0; i < len(oldNew); i += 2 {
		if !strings.Contains(s, oldNew[i]) {
			l.t.Fatalf("edit: main.go has no %q", oldNew[i])
		}
		s = strings.Replace(s, oldNew[i], oldNew[i+1], 1)
	}
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		l.t.Fatal(err)
	}
}

// keep saves main.go and returns a function that puts it back.
func (l *lib) keep() func() {
	l.t.Helper()
	name := filepath.Join(l.dir, "main.go")
	data, err := os.ReadFile(name)
	if err != nil {
		l.t.Fatal(err)
	}
	return func() {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			l.t.Fatal(err)
		}
	}
}

// build runs hotpatch build with flags, in an environment with env added,
// and returns its output.
func (l *lib) build(flagsAndEnv ...string) (string, error) {
	args := []string{"build", "-o", l.out}
	var env []string
	for _, f := range flagsAndEnv {
		if strings.HasPrefix(f, "-") {
			args = append(args, f)
		} else {
			env = append(env, f)
		}
	}
	cmd := exec.Command(l.hotpatch, append(args, ".")...)
	cmd.Dir, cmd.Env = l.dir, append(append(os.Environ(), l.p.buildEnv...), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustBuild builds as build does, and fails the test if the build fails.
func (l *lib) mustBuild(flagsAndEnv ...string) string {
	l.t.Helper()
	out, err := l.build(flagsAndEnv...)
	if err != nil {
		l.t.Fatalf("hotpatch build: %v\n%s", err, out)
	}
	return out
}

// setVersion edits the version constant from old to new.
func (l *lib) setVersion(old, new int) {
	l.t.Helper()
	l.edit(fmt.Sprintf("const version = %d\n", old), fmt.Sprintf("const version = %d\n", new))
}

// A host is a running host process.
type host struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *lockedBuffer
	done   chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// cHost returns the Linux C host, compiled with cc on first use.
func cHost(t *testing.T) string {
	t.Helper()
	return linux.compile(t, "host")
}

// startHost starts the C host program name (testdata/hosts/name.c) of the
// lib's platform with args.
func (l *lib) startHost(env []string, name string, args ...string) *host {
	l.t.Helper()
	argv := append(append(l.p.run[:len(l.p.run):len(l.p.run)], l.p.compile(l.t, name)), args...)
	return startHost(l.t, append(l.p.hostEnv[:len(l.p.hostEnv):len(l.p.hostEnv)], env...), argv...)
}

func startHost(t *testing.T, env []string, argv ...string) *host {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = hostProcAttr()
	h := &host{t: t, cmd: cmd, lines: make(chan string, 100), stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = h.stderr
	var err error
	if h.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s := bufio.NewScanner(stdout)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			h.lines <- s.Text()
		}
		close(h.lines)
	}()
	go func() { cmd.Wait(); close(h.done) }()
	t.Cleanup(func() {
		h.stdin.Close()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-h.done
		}
		if t.Failed() {
			t.Logf("host stderr:\n%s", h.stderr)
		}
	})
	return h
}

// do sends a command and returns the host's answer.
func (h *host) do(command string) string {
	h.t.Helper()
	if _, err := fmt.Fprintln(h.stdin, command); err != nil {
		h.t.Fatalf("host %q: %v\nstderr:\n%s", command, err, h.stderr)
	}
	select {
	case l, ok := <-h.lines:
		if !ok {
			h.t.Fatalf("host exited on %q\nstderr:\n%s", command, h.stderr)
		}
		return l
	case <-time.After(wait):
		h.t.Fatalf("host did not answer %q\nstderr:\n%s", command, h.stderr)
	}
	return ""
}

// expect sends a command and checks the answer.
func (h *host) expect(command, want string) {
	h.t.Helper()
	if got := h.do(command); got != want {
		h.t.Fatalf("%s: got %q, want %q", command, got, want)
	}
}

// await repeats command until the answer is want: the patch lands shortly
// after the build is published.
func (h *host) await(command, want string) {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		got := h.do(command)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: still %q, want %q\nstderr:\n%s", command, got, want, h.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitPrefix repeats command until the answer starts with prefix.
func (h *host) awaitPrefix(command, prefix string) {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		got := h.do(command)
		if strings.HasPrefix(got, prefix) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: still %q, want %q...\nstderr:\n%s", command, got, prefix, h.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitLog waits until the host's stderr holds every one of texts.
func (h *host) awaitLog(texts ...string) {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		log := h.stderr.String()
		missing := ""
		for _, s := range texts {
			if !strings.Contains(log, s) {
				missing = s
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("host log has no %q:\n%s", missing, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitMatch waits until a line of the host's stderr matches re, and
// returns the first such match with its submatches. Unlike awaitLog, every
// part of re must be on one line: a log line that names the copies is
// written after the line that names the build.
func (h *host) awaitMatch(re *regexp.Regexp) []string {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		log := h.stderr.String()
		if m := re.FindStringSubmatch(log); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("host log has no line that matches %q:\n%s", re, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitCount waits until the host's stderr holds text n times.
func (h *host) awaitCount(text string, n int) {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for strings.Count(h.stderr.String(), text) < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("host log has %q fewer than %d times:\n%s", text, n, h.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
}
