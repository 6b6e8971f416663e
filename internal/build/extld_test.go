package build

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWithExtld runs the linker with this program as its -extld only when
// it was given one without arguments.
func TestWithExtld(t *testing.T) {
	args, env := withExtld([]string{"-o", "a.out", "-extld=gcc", "main.a"}, "/bin/hotpatch")
	if want := []string{"-o", "a.out", "-extld=/bin/hotpatch", "main.a"}; !slices.Equal(args, want) || env != "HOTPATCH_CC=gcc" {
		t.Errorf("got %q %q, want %q HOTPATCH_CC=gcc", args, env, want)
	}
	for _, in := range [][]string{{"-o", "a.out", "main.a"}, {"-extld=ccache gcc", "main.a"}, {"-extld=/bin/hotpatch", "main.a"}} {
		if args, env := withExtld(in, "/bin/hotpatch"); !slices.Equal(args, in) || env != "" {
			t.Errorf("withExtld(%q) = %q %q, want it unchanged", in, args, env)
		}
	}
}

// TestExtldAnswers: the linker's question about a flag is put to the
// compiler once, and again after the linker changes; its answer, yes or no,
// reads the same from the cache.
func TestExtldAnswers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake compiler is a shell script")
	}
	bin, work, count := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "count")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	write := func(name, body string) {
		if err := os.WriteFile(name, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The flag is the next to last argument; "-bad" is one it does not know.
	write(filepath.Join(bin, "fakecc"), `#!/bin/sh
case "$1" in -print-prog-name=*) echo ld; exit 0;; esac
echo x >> `+count+`
for a; do prev2=$prev; prev=$a; done
if [ "$prev2" = -bad ]; then echo "fakecc: error: unrecognized command-line option '-bad'"; exit 1; fi
echo linked
`)
	write(filepath.Join(bin, "ld"), "#!/bin/sh\n")
	write(filepath.Join(work, "trivial.c"), trivialC)
	runs := func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}
	ask := func(flag string) (int, string) {
		var out bytes.Buffer
		code := standIn("fakecc", []string{"-m64", "-o", filepath.Join(work, "a.out"), flag, filepath.Join(work, "trivial.c")}, nil, &out, &out)
		return code, out.String()
	}
	for _, c := range []struct {
		flag, out string
		code      int
	}{{"-Wl,--build-id=0x12", "linked\n", 0}, {"-bad", "unrecognized", 1}} {
		before := runs()
		for i := range 2 {
			code, out := ask(c.flag)
			if code != c.code || !strings.Contains(out, c.out) {
				t.Errorf("%s, answer %d: exit %d, %q; want exit %d, %q", c.flag, i+1, code, out, c.code, c.out)
			}
		}
		if n := runs() - before; n != 1 {
			t.Errorf("%s: the compiler ran %d times for two questions, want once", c.flag, n)
		}
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(bin, "ld"), later, later); err != nil {
		t.Fatal(err)
	}
	before := runs()
	ask("-Wl,--build-id=0x12")
	if runs() != before+1 {
		t.Errorf("a changed linker was not asked again")
	}
	// The link itself is no question: the stand-in runs it in its own place.
	if p := trialCachePath("fakecc", []string{"-m64", "-o", filepath.Join(work, "lib.so"), "go.o"}); p != "" {
		t.Errorf("the link was taken for a question: %s", p)
	}
}
