//go:build linux

package e2e

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Kept state lives through reloads: a world with slices, a map and a pointer
// in a kept variable moves into each new build, through a body change, fields
// added and reordered, a refused type change (after which state and code
// stay), and a good build after it. It never resets or splits, and a counter
// that 8 host threads increment through a marked export the whole time loses
// nothing, and the first new copy has a processor for each of the host's
// threads. The copy that owned the state sees hotpatch.Retired close.
func TestKeptState(t *testing.T) { testKeptState(t, linux, cHostStarter("keep_host")) }

func TestPythonKeptState(t *testing.T) {
	python := needTool(t, "python3")
	testKeptState(t, linux, func(l *lib) *host {
		return startHost(t, nil, python, "testdata/hosts/keep_host.py", l.out)
	})
}

// TestWindowsKeptState is TestKeptState for a Windows DLL under Wine.
func TestWindowsKeptState(t *testing.T) { testKeptState(t, windows(t), cHostStarter("keep_host")) }

func cHostStarter(name string) func(l *lib) *host {
	return func(l *lib) *host { return l.startHost(nil, name, l.out) }
}

func testKeptState(t *testing.T, p *platform, start func(*lib) *host) {
	l := newLibOn(t, p, "testdata/keep")
	l.mustBuild()
	h := start(l)
	h.expect("spawn a", "1")
	h.expect("spawn b", "2")
	for i := 1; i <= 3; i++ {
		h.expect("step", strconv.Itoa(i))
	}
	h.expect("describe", "v1 tick=3 entities=a:10,b:10 byname=a:0,b:1 boss=a:100 counter=0")
	h.expect("incr-start", "started")
	counter := regexp.MustCompile(`counter=(\d+)`)
	// The world as it should be, but for the version and the counter,
	// which only grows.
	expectWorld := func(version int, rest string) {
		t.Helper()
		got := h.do("describe")
		prefix, suffix, _ := strings.Cut(rest, " counter=")
		if !strings.HasPrefix(got, "v"+strconv.Itoa(version)+" "+prefix) || !strings.HasSuffix(strings.TrimSuffix(got, counter.FindString(got)), suffix) {
			t.Fatalf("describe: %q, want v%d %s", got, version, rest)
		}
	}

	// Version 2: a body changes; the world goes on.
	l.setVersion(1, 2)
	l.edit("const step = 1", "const step = 10")
	l.mustBuild()
	h.awaitPrefix("describe", "v2 ")
	h.expect("step", "13")
	expectWorld(2, "tick=13 entities=a:10,b:10 byname=a:0,b:1 boss=a:100 counter=")
	h.expect("retired", "1") // the original copy owns the state no more
	// The new copy has a processor for each host thread that has called a
	// marked export: the host's main thread and its 8 incrementing threads.
	procs := h.awaitMatch(regexp.MustCompile(`msg="hotpatch: the new copy has a processor for each host thread that calls in".* threads=(\d+) procs=(\d+)`))
	if procs[1] != "9" {
		t.Errorf("the patcher counted %s host threads, want 9:\n%s", procs[1], h.stderr)
	} else if n, _ := strconv.Atoi(procs[2]); n < 9 {
		t.Errorf("the new copy has %d processors, want at least one for each of the 9 host threads", n)
	}

	// Version 3: a field added, fields reordered.
	l.setVersion(2, 3)
	l.edit("type World struct {\n\tTick     int64\n\tEntities []Entity\n\tByName   map[string]int\n",
		"type World struct {\n\tByName   map[string]int\n\tLevel    int\n\tEntities []Entity\n\tTick     int64\n")
	l.edit("%s:%v\", e.Name, e.HP)", "%s:%v@%d\", e.Name, e.HP, world.Level)")
	l.mustBuild()
	h.awaitPrefix("describe", "v3 ")
	expectWorld(3, "tick=13 entities=a:10@0,b:10@0 byname=a:0,b:1 boss=a:100 counter=")
	h.expect("spawn c", "3")

	// Version 4 changes a field's type, which the old value cannot decode
	// into: it is not applied, and the process keeps its code and state.
	l.setVersion(3, 4)
	l.edit("HP   int32", "HP   string", "HP: 10}", "HP: \"10\"}", "HP: 100}", "HP: \"100\"}")
	l.mustBuild()
	h.awaitLog("the new build is not applied; the process keeps its code and its state",
		"kept variable example.com/testlib.world: field Entities[].HP changed from int32 to string", "restart it to use build")
	expectWorld(3, "tick=13 entities=a:10@0,b:10@0,c:10@0 byname=a:0,b:1,c:2 boss=a:100 counter=")

	// Version 5, back to int32: a good build applies.
	l.setVersion(4, 5)
	l.edit("HP   string", "HP   int32", "HP: \"10\"}", "HP: 10}", "HP: \"100\"}", "HP: 100}")
	l.mustBuild()
	h.awaitPrefix("describe", "v5 ")
	h.expect("step", "23")
	expectWorld(5, "tick=23 entities=a:10@0,b:10@0,c:10@0 byname=a:0,b:1,c:2 boss=a:100 counter=")

	// No increment was lost while the state moved, four times.
	calls := h.do("incr-stop")
	got := counter.FindStringSubmatch(h.do("describe"))
	if got == nil || got[1] != calls {
		t.Errorf("the kept counter is %v after %s increments", got, calls)
	}
	t.Logf("%s increments across the reloads", calls)

	// Each copy that owned the state saw it go: the patch copies of
	// versions 2 and 3, but not the newest.
	copies := regexp.MustCompile(`msg="hotpatch: loaded copy" .*path=(\S+)`).FindAllStringSubmatch(h.stderr.String(), -1)
	if len(copies) != 4 {
		t.Fatalf("%d copies loaded, want 4", len(copies))
	}
	for i, c := range copies {
		want := "1"
		if i == len(copies)-1 {
			want = "0"
		}
		h.expect("retired-copy "+c[1], want)
	}
	if strings.Contains(h.stderr.String(), "level=ERROR") && strings.Count(h.stderr.String(), "level=ERROR") != 1 {
		t.Errorf("errors other than the refused build:\n%s", h.stderr)
	}

	// Version 6 keeps a map of arrays of a type defined on byte, which
	// vmihailenco/msgpack panics on when it encodes them. So version 7
	// cannot take the state: the panic in version 6's encoder is an
	// error, and the process keeps version 6's code and state.
	l.setVersion(5, 6)
	l.edit("\tCounter  int64\n}\n", "\tCounter  int64\n\tTags     map[string][4]Octet\n}\n\ntype Octet byte\n",
		"\tworld.Tick += step\n", "\tworld.Tick += step\n\tif world.Tags == nil {\n\t\tworld.Tags = map[string][4]Octet{}\n\t}\n\tworld.Tags[\"t\"] = [4]Octet{1}\n")
	l.mustBuild()
	h.awaitPrefix("describe", "v6 ")
	h.expect("step", "33")
	l.setVersion(6, 7)
	l.mustBuild()
	h.awaitLog("the new build is not applied; the process keeps its code and its state",
		"kept variable example.com/testlib.world cannot be encoded: panic: reflect.Copy")
	h.expect("step", "43")
	expectWorld(6, "tick=43 entities=a:10@0,b:10@0,c:10@0 byname=a:0,b:1,c:2 boss=a:100 counter=")
}

// TestApplyOnRequest runs a library that applies new builds only when it
// asks, at the top of its per-frame export: a new build loads in the
// background and applies at the next frame, with the world as it was; Apply
// inside a marked call refuses.
func TestApplyOnRequest(t *testing.T) {
	l := newLibOn(t, linux, "testdata/keep")
	l.mustBuild()
	h := l.startHost([]string{"KEEP_ON_REQUEST=1"}, "keep_host", l.out)
	h.expect("spawn a", "1")
	h.expect("frame", "0")
	h.expect("apply-inside", "1")

	l.setVersion(1, 2)
	l.mustBuild()
	h.awaitLog("loaded new build; it applies when the library calls hotpatch.Apply")
	h.expect("step", "1")
	h.expect("describe", "v1 tick=1 entities=a:10 byname=a:0 boss=a:100 counter=0")
	h.expect("frame", "1")
	h.expect("describe", "v2 tick=1 entities=a:10 byname=a:0 boss=a:100 counter=0")
	h.expect("frame", "0")
}

// TestHeaderHost compiles a C host against the header that hotpatch build
// wrote and links the library directly: the marked exports, which have entry
// points of their own, keep their names, and calls through them follow
// every build.
func TestHeaderHost(t *testing.T) { testHeaderHost(t, linux) }

// TestWindowsHeaderHost links a mingw host against the DLL.
func TestWindowsHeaderHost(t *testing.T) { testHeaderHost(t, windows(t)) }

func testHeaderHost(t *testing.T, p *platform) {
	l := newLibOn(t, p, "testdata/keep")
	l.mustBuild()
	dir := filepath.Dir(l.out)
	bin := filepath.Join(dir, "header_host"+p.exe)
	args := append(p.cc[1:len(p.cc):len(p.cc)], "-I", dir, "-o", bin, filepath.Join("testdata", "hosts", "header_host.c"))
	if p == linux {
		args = append(args, "-L", dir, "-ltest", "-Wl,-rpath,"+dir)
	} else {
		args = append(args, l.out)
	}
	if out, err := exec.Command(p.cc[0], args...).CombinedOutput(); err != nil {
		t.Fatalf("compiling against the generated header: %v\n%s", err, out)
	}
	h := startHost(t, p.hostEnv, append(p.run[:len(p.run):len(p.run)], bin)...)
	h.expect("spawn a", "1")
	h.expect("step", "1")
	l.setVersion(1, 2)
	l.edit("const step = 1", "const step = 10")
	l.mustBuild()
	h.awaitPrefix("describe", "v2 ")
	h.expect("step", "11")
	h.expect("describe", "v2 tick=11 entities=a:10 byname=a:0 boss=a:100 counter=0")
}
