package build

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseCompile(t *testing.T) {
	for _, c := range []struct {
		args          []string
		input, output string
	}{
		{args: []string{"-I", "/tmp/go-build1/b001/", "-O2", "-g", "-frandom-seed=x", "-o", "/tmp/go-build1/b001/_x001.o", "-c", "_cgo_export.c"}, input: "_cgo_export.c", output: "/tmp/go-build1/b001/_x001.o"},
		{args: []string{"-w", "-o/tmp/go-build1/b001/_cgo_3.o", "-gdwarf-2", "-c", "-xc", "-I", ".", "/tmp/cgo-gcc-input-12.c"}, input: "/tmp/cgo-gcc-input-12.c", output: "/tmp/go-build1/b001/_cgo_3.o"},
		{args: []string{"-E", "-dM", "-xc", "-m64", "-"}, input: "-"},
		{args: []string{"-c", "-x", "c", "-", "-o", os.DevNull, "-fno-caret-diagnostics"}, input: "-", output: os.DevNull},
		// Not compiles the cache serves:
		{args: []string{"-###", "-x", "c", "-c", "-"}},
		{args: []string{"-o", "lib.so", "a.o", "b.o", "-shared"}},
		{args: []string{"-c", "a.c", "b.c", "-o", "x.o"}},
		{args: []string{"-c", "a.c"}},
		{args: []string{"-c", "-MD", "-o", "a.o", "a.c"}},
		{args: []string{"-c", "-flto", "-o", "a.o", "a.c"}},
		{args: []string{"-c", "-o", "a.o", "a.cc"}},
		{args: []string{"-c", "-x", "c++", "-o", "a.o", "-"}},
		{args: []string{"-c", "-o", "a.o", "@args"}},
		{args: []string{"-print-prog-name=ld"}},
	} {
		got, ok := parseCompile(c.args)
		if ok != (c.input != "") {
			t.Errorf("parseCompile(%q): served %v, want %v", c.args, ok, c.input != "")
			continue
		}
		if ok && (got.input != c.input || got.output != c.output) {
			t.Errorf("parseCompile(%q): input %q, output %q; want %q, %q", c.args, got.input, got.output, c.input, c.output)
		}
	}
	// go build's work folder, wherever an argument names it.
	for _, args := range [][]string{
		{"-I/tmp/go-build123/b001/", "-E", "-"},
		{"-o", "/tmp/go-build123/b001/_x001.o", "-c", "a.c"},
		{"-ffile-prefix-map=/tmp/go-build123/b001=/tmp/go-build", "-E", "-"},
	} {
		c, ok := parseCompile(args)
		if !ok {
			t.Errorf("parseCompile(%q): not served", args)
		} else if c.work != "/tmp/go-build123" {
			t.Errorf("parseCompile(%q): work folder %q, want /tmp/go-build123", args, c.work)
		}
	}
}

func TestCgoPrefix(t *testing.T) {
	for _, c := range []struct {
		src, prefix string
		ok          bool
	}{
		{"void _cgo_0123456789ab_Cfunc_f(void *v) {}\nvoid _cgoexp_0123456789ab_g(void *v);\n", "0123456789ab", true},
		{"int f(void) { return 0; }\n", "", true},
		{"void _cgo_0123456789ab_Cfunc_f(void);\nvoid _cgo_ba9876543210_Cfunc_g(void);\n", "", false},
		{"void _cgo_0123456789ab_Cfunc_f(void);\x00\n", "", false},
	} {
		prefix, ok := cgoPrefix([]byte(c.src))
		if prefix != c.prefix || ok != c.ok {
			t.Errorf("cgoPrefix(%q) = %q, %v; want %q, %v", c.src, prefix, ok, c.prefix, c.ok)
		}
	}
}

func TestParseDeps(t *testing.T) {
	got, ok := parseDeps([]byte("/tmp/go-build1/b001/_x001.o: _cgo_export.c \\\n /usr/include/stdio.h /home/a\\ b/x.h \\\n /tmp/go-build1/b001/_cgo_export.h\n"))
	want := []string{"_cgo_export.c", "/usr/include/stdio.h", "/home/a b/x.h", "/tmp/go-build1/b001/_cgo_export.h"}
	if !ok || !slices.Equal(got, want) {
		t.Errorf("parseDeps = %q, %v; want %q", got, ok, want)
	}
	if _, ok := parseDeps([]byte("no rule")); ok {
		t.Errorf("parseDeps took a file that is no rule")
	}
}

// TestWithCC: go build runs this program as its C compiler, with the real
// one beside it, unless CC is a command with arguments or the wrapper is
// off or replaced.
func TestWithCC(t *testing.T) {
	saved := toolExecSelf
	t.Cleanup(func() { toolExecSelf = saved })
	toolExecSelf = "/bin/hotpatch"
	lookPath = func(name string) (string, error) { return "/usr/bin/" + name, nil }
	t.Cleanup(func() { lookPath = exec.LookPath })
	got := withCC(nil, []string{"PATH=/usr/bin"})
	if want := []string{"PATH=/usr/bin", "CC=/bin/hotpatch", "HOTPATCH_CC=gcc"}; !slices.Equal(got, want) {
		t.Errorf("withCC = %q, want %q", got, want)
	}
	if got := withCC(nil, []string{"GOOS=darwin"}); lookupEnv(got, ccEnv) != "clang" {
		t.Errorf("for macOS, the real compiler is %q, want clang", lookupEnv(got, ccEnv))
	}
	for _, env := range [][]string{{"CC=ccache gcc"}, {"HOTPATCH_TOOLEXEC=off"}, {"GOFLAGS=-toolexec=strace"}} {
		if got := withCC(nil, env); !slices.Equal(got, env) {
			t.Errorf("withCC(%q) = %q, want it unchanged", env, got)
		}
	}
	if got := withCC([]string{"-toolexec=strace"}, nil); got != nil {
		t.Errorf("with the user's -toolexec, withCC = %q, want it unchanged", got)
	}
}

// TestCompileCache compiles C with gcc through the stand-in: a compile is
// served from the cache when its source and headers read the same, whatever
// go build's work folder, the output's name, the random seed and cgo's
// prefix, and run again when a header changes.
func TestCompileCache(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the counting compiler is a shell script, and the objects are read as ELF")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	bin, count := t.TempDir(), filepath.Join(t.TempDir(), "count")
	t.Setenv("LC_ALL", "C") // as cgo runs the compiler
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(bin, "countcc"), "#!/bin/sh\necho x >> "+count+"\nexec gcc \"$@\"\n")
	runs := func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}
	// Two builds' work folders, as go build names them.
	tmp := t.TempDir()
	works := []string{filepath.Join(tmp, "go-build111"), filepath.Join(tmp, "go-build222")}
	const source = `#include "h.h"
int _cgo_0123456789ab_Cfunc_f(int x) { return x + K; }
`
	for _, w := range works {
		if err := os.MkdirAll(filepath.Join(w, "b001"), 0o755); err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(w, "b001", "h.h"), "#define K 1\n")
	}
	cc := func(work, seed, src string) (code int, obj []byte, out string) {
		t.Helper()
		dir := filepath.Join(work, "b001")
		write(filepath.Join(dir, "a.c"), src)
		t.Chdir(dir)
		o := filepath.Join(dir, "_x001.o")
		os.Remove(o)
		var errs bytes.Buffer
		code = standIn("countcc", []string{"-I", dir + "/", "-O2", "-g", "-ffile-prefix-map=" + dir + "=/tmp/go-build", "-frandom-seed=" + seed, "-o", o, "-c", "a.c"}, nil, &errs, &errs)
		obj, _ = os.ReadFile(o)
		return code, obj, errs.String()
	}
	code, first, out := cc(works[0], "aaa", source)
	if code != 0 || len(first) == 0 || runs() != 1 {
		t.Fatalf("first compile: exit %d, %d bytes, %d runs: %s", code, len(first), runs(), out)
	}
	code, second, _ := cc(works[1], "bbb", source)
	if code != 0 || !bytes.Equal(first, second) || runs() != 1 {
		t.Errorf("the same source in another work folder: exit %d, same object %v, %d runs; want it served", code, bytes.Equal(first, second), runs())
	}

	// A new cgo prefix: served, with the new names, as gcc names them.
	renamed := strings.ReplaceAll(source, "0123456789ab", "ba9876543210")
	_, served, _ := cc(works[1], "ccc", renamed)
	if runs() != 1 {
		t.Errorf("a new cgo prefix was compiled again")
	}
	plainDir := t.TempDir()
	write(filepath.Join(plainDir, "a.c"), renamed)
	write(filepath.Join(plainDir, "h.h"), "#define K 1\n")
	gcc := exec.Command("gcc", "-O2", "-g", "-o", "a.o", "-c", "a.c")
	gcc.Dir = plainDir
	if out, err := gcc.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	plain, _ := os.ReadFile(filepath.Join(plainDir, "a.o"))
	if got, want := symbols(t, served), symbols(t, plain); !slices.Equal(got, want) {
		t.Errorf("served object's symbols %q, gcc's %q", got, want)
	}

	// A changed header: compiled again.
	write(filepath.Join(works[1], "b001", "h.h"), "#define K 2\n")
	if cc(works[1], "ddd", source); runs() != 2 {
		t.Errorf("after a header changed, %d runs, want 2", runs())
	}

	write(filepath.Join(works[1], "b001", "h.h"), "#define K 1\n")

	// A compile meant to fail, as cgo's are, is kept; one whose header is
	// missing is not, nor one that uses the clock.
	for _, c := range []struct {
		src  string
		kept bool
	}{
		{"#include \"h.h\"\nint f(void) { return not_declared; }\n", true},
		{"#include \"missing.h\"\n", false},
		{"const char *d = __DATE__;\n", false},
	} {
		before := runs()
		c1, _, out1 := cc(works[0], "e", c.src)
		c2, _, out2 := cc(works[1], "f", c.src)
		if n := runs() - before; n != 1 && c.kept || n != 2 && !c.kept {
			t.Errorf("%q: compiled %d times in two compiles; kept %v", c.src, n, c.kept)
		}
		if c1 != c2 || c.kept && strings.ReplaceAll(out1, works[0], works[1]) != out2 {
			t.Errorf("%q: exit %d then %d, messages %q then %q", c.src, c1, c2, out1, out2)
		}
	}
	// A failure in another locale, not cgo's, is not kept.
	t.Setenv("LC_ALL", "")
	before := runs()
	cc(works[0], "g", "int g(void) { return also_not_declared; }\n")
	cc(works[1], "h", "int g(void) { return also_not_declared; }\n")
	if n := runs() - before; n != 2 {
		t.Errorf("a failure outside the C locale: compiled %d times in two compiles, want 2", n)
	}
}

// symbols returns the names in the symbol table of the ELF object obj.
func symbols(t *testing.T, obj []byte) []string {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(obj))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range syms {
		if s.Name != "" {
			names = append(names, s.Name)
		}
	}
	slices.Sort(names)
	return names
}

// TestTrimCompileCache: an entry unused for a week goes, once a day.
func TestTrimCompileCache(t *testing.T) {
	dir := t.TempDir()
	old, fresh := filepath.Join(dir, "old"), filepath.Join(dir, "fresh")
	for _, name := range []string{old, fresh} {
		if err := os.WriteFile(name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	weekAgo := time.Now().Add(-compileCacheAge - time.Hour)
	if err := os.Chtimes(old, weekAgo, weekAgo); err != nil {
		t.Fatal(err)
	}
	trimCompileCache(dir, time.Now())
	if _, err := os.Stat(old); err == nil {
		t.Errorf("an entry unused for a week is still there")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh entry was removed: %v", err)
	}
	// Trimmed today: not again.
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(old, weekAgo, weekAgo)
	trimCompileCache(dir, time.Now())
	if _, err := os.Stat(old); err != nil {
		t.Errorf("the cache was trimmed twice in a day")
	}
}
