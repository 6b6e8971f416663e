package artifact

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotpatch-go/hotpatch/internal/testenv"
)

// These tests run natively on Linux and, in CI, as Windows processes under
// Wine (GOOS=windows go test, through .ci/wine/go_windows_amd64_exec).

func TestCopyPath(t *testing.T) {
	out := filepath.Join(testenv.TempDir(t), "libgame.dll")
	p := CopyPath(out, 42, 3)
	if want := filepath.Join(filepath.Dir(out), ".hotpatch", "libgame.hotpatch-42-3.dll"); p != want {
		t.Errorf("CopyPath = %s, want %s", p, want)
	}
	if !IsCopyPath(p) {
		t.Errorf("IsCopyPath(%s) = false", p)
	}
	for _, other := range []string{out, filepath.Join(filepath.Dir(out), "libgame.hotpatch-42-3.dll")} {
		if IsCopyPath(other) {
			t.Errorf("IsCopyPath(%s) = true", other)
		}
	}
	if IsPatchCopy() {
		t.Error("IsPatchCopy is true in a test binary")
	}
}

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if processAlive(testenv.DeadPID) {
		t.Errorf("process %d is alive", testenv.DeadPID)
	}
}

func TestStamp(t *testing.T) {
	out := filepath.Join(testenv.TempDir(t), "lib.so")
	if _, err := ReadStamp(out); !errors.Is(err, ErrNoStamp) {
		t.Fatalf("ReadStamp before any build: %v, want ErrNoStamp", err)
	}
	testenv.WriteFile(t, out, "library hotpatch_v1_attach")
	s, err := StampFile(out, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteStamp(out, s); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadStamp(out); err != nil || got != s {
		t.Fatalf("ReadStamp = %+v, %v; want %+v", got, err, s)
	}
	testenv.WriteFile(t, StampPath(out), "{not json")
	if _, err := ReadStamp(out); err == nil {
		t.Fatal("a corrupt stamp was read")
	}
}

// stampedOutput writes a build output and returns it with its stamp.
func stampedOutput(t *testing.T) (string, Stamp) {
	out := filepath.Join(testenv.TempDir(t), "lib.so")
	testenv.WriteFile(t, out, "library hotpatch_v1_attach")
	s, err := StampFile(out, "b1")
	if err != nil {
		t.Fatal(err)
	}
	return out, s
}

func TestCopyVerified(t *testing.T) {
	out, s := stampedOutput(t)
	dst := CopyPath(out, os.Getpid(), 1)
	if err := CopyVerified(out, dst, s, "hotpatch_v1_attach"); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(dst); err != nil || string(data) != "library hotpatch_v1_attach" {
		t.Fatalf("copy holds %q, %v", data, err)
	}
	if err := CopyVerified(out, dst, s, "hotpatch_v1_attach"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("copying over an existing copy: %v, want fs.ErrExist", err)
	}
	other := CopyPath(out, os.Getpid(), 2)
	if err := CopyVerified(out, other, s, "hotpatch_v1_call"); err == nil {
		t.Error("a file without the symbol was copied")
	}
	s.CRC32C++
	if err := CopyVerified(out, other, s); !errors.Is(err, ErrMismatch) {
		t.Errorf("a file that does not match its stamp: %v, want ErrMismatch", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed copy left %s behind", other)
	}
}

// TestLinkVerified: on Linux, a copy of a build whose stamp names its file
// is a link to that file; anywhere else, or when the stamp names no file or
// another one, it is a copy that checks the bytes.
func TestLinkVerified(t *testing.T) {
	out, s := stampedOutput(t)
	if canLink && s.File == (FileID{}) {
		t.Fatal("the stamp does not identify the file")
	}
	linkedTo := func(dst string) bool {
		a, err1 := os.Stat(out)
		b, err2 := os.Stat(dst)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		return os.SameFile(a, b)
	}
	dst := CopyPath(out, os.Getpid(), 1)
	linked, err := LinkVerified(out, dst, s, "hotpatch_v1_attach")
	if err != nil {
		t.Fatal(err)
	}
	if linked != canLink || linkedTo(dst) != canLink {
		t.Errorf("LinkVerified: linked %v, same file %v; want %v", linked, linkedTo(dst), canLink)
	}
	if _, err := LinkVerified(out, dst, s, "hotpatch_v1_attach"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("linking over an existing copy: %v, want fs.ErrExist", err)
	}
	other := CopyPath(out, os.Getpid(), 2)
	if _, err := LinkVerified(out, other, s, "hotpatch_v1_call"); err == nil {
		t.Error("a file without the symbol was linked")
	}
	if _, err := os.Stat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed link left %s behind", other)
	}

	// An older stamp, and one made where the file had another identity:
	// copies.
	for _, id := range []FileID{{}, {Dev: s.File.Dev, Ino: s.File.Ino + 1, ModTime: s.File.ModTime}} {
		old := s
		old.File = id
		os.Remove(other)
		linked, err := LinkVerified(out, other, old, "hotpatch_v1_attach")
		if err != nil || linked || linkedTo(other) {
			t.Errorf("stamp naming file %+v: linked %v, %v; want a copy", id, linked, err)
		}
	}

	// A newer build replaced the output after the stamp: the copy finds
	// that the bytes do not match.
	os.Remove(other)
	testenv.WriteFile(t, out+".new", "library hotpatch_v1_attach, build 2")
	if err := os.Rename(out+".new", out); err != nil {
		t.Fatal(err)
	}
	if _, err := LinkVerified(out, other, s, "hotpatch_v1_attach"); !errors.Is(err, ErrMismatch) {
		t.Errorf("an output replaced after its stamp: %v, want ErrMismatch", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed link left %s behind", other)
	}
}

// BenchmarkCopyVerified copies a build of the bench library's size (7 MB,
// with uncompressed DWARF), whose symbols are in its first pages, as an ELF
// library's are: the copy a running process makes on every reload where it
// cannot link (BenchmarkLinkVerified).
func BenchmarkCopyVerified(b *testing.B) {
	benchmarkPlace(b, func(out, dst string, s Stamp, symbols ...string) error {
		return CopyVerified(out, dst, s, symbols...)
	})
}

// BenchmarkLinkVerified is what a process on Linux does instead.
func BenchmarkLinkVerified(b *testing.B) {
	benchmarkPlace(b, func(out, dst string, s Stamp, symbols ...string) error {
		_, err := LinkVerified(out, dst, s, symbols...)
		return err
	})
}

func benchmarkPlace(b *testing.B, place func(out, dst string, s Stamp, symbols ...string) error) {
	dir := b.TempDir()
	out := filepath.Join(dir, "lib.so")
	data := append([]byte("\x7fELF hotpatch_v1_attach hotpatch_v1_call hotpatch_v1_control"), bytes.Repeat([]byte{0x90}, 7<<20)...)
	if err := os.WriteFile(out, data, 0o644); err != nil {
		b.Fatal(err)
	}
	s, err := StampFile(out, "b1")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		dst := CopyPath(out, os.Getpid(), i)
		if err := place(out, dst, s, "hotpatch_v1_attach", "hotpatch_v1_call", "hotpatch_v1_control"); err != nil {
			b.Fatal(err)
		}
		os.Remove(dst)
	}
}

func TestRemoveStaleCopies(t *testing.T) {
	out := filepath.Join(testenv.TempDir(t), "libgame.so")
	stale := CopyPath(out, testenv.DeadPID, 1)
	own := CopyPath(out, os.Getpid(), 1)
	replaced := movedAsidePath(out, 1)
	foreign := filepath.Join(filepath.Dir(stale), "libother.hotpatch-1-1.so")
	for _, f := range []string{stale, own, replaced, foreign} {
		testenv.WriteFile(t, f, "x")
	}
	n, err := RemoveStaleCopies(out)
	if err != nil || n != 2 {
		t.Fatalf("RemoveStaleCopies = %d, %v; want 2 files", n, err)
	}
	for f, want := range map[string]bool{stale: false, replaced: false, own: true, foreign: true} {
		if _, err := os.Stat(f); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", f, err == nil, want)
		}
	}
}

func TestReplaceFile(t *testing.T) {
	dir := testenv.TempDir(t)
	out := filepath.Join(dir, "lib.so")
	testenv.WriteFile(t, out, "old")
	for i := 0; i < 3; i++ {
		src := filepath.Join(dir, fmt.Sprintf("new%d", i))
		testenv.WriteFile(t, src, src)
		if err := ReplaceFile(src, out); err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(out); string(data) != src {
			t.Fatalf("%s holds %q, want %q", out, data, src)
		}
	}
}

// TestSymbolScan finds a name wherever the chunks that CopyVerified reads cut
// it.
func TestSymbolScan(t *testing.T) {
	data := []byte("....hotpatch_v1_call....")
	for cut := 0; cut <= len(data); cut++ {
		for cut2 := cut; cut2 <= len(data); cut2++ {
			s := newSymbolScan([]string{"hotpatch_v1_call", "hotpatch_v1_attach"})
			s.add(data[:cut])
			s.add(data[cut:cut2])
			s.add(data[cut2:])
			if got := s.missing(); got != "hotpatch_v1_attach" {
				t.Fatalf("chunks %q %q %q: missing %q, want hotpatch_v1_attach", data[:cut], data[cut:cut2], data[cut2:], got)
			}
		}
	}
}
