package artifact

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/testenv"
	"golang.org/x/sys/windows"
)

// TestReplaceLoadedDLL publishes a build over a DLL that this process has
// loaded, which Windows refuses to overwrite or delete: the rebuild must not
// fail, and the moved-aside DLL is cleaned up once no process has it loaded.
func TestReplaceLoadedDLL(t *testing.T) {
	// Any real DLL will do: bcryptprimitives.dll is in every Windows, and
	// in a Wine prefix that .ci/wine/setup prepared.
	sys, err := windows.GetSystemDirectory()
	if err != nil {
		t.Fatal(err)
	}
	dll, err := os.ReadFile(filepath.Join(sys, "bcryptprimitives.dll"))
	if err != nil {
		t.Fatal(err)
	}
	dir := testenv.TempDir(t)
	out := filepath.Join(dir, "libgame.dll")
	testenv.WriteFile(t, out, string(dll))
	h, err := windows.LoadLibrary(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(out); err == nil {
		t.Fatal("a loaded DLL was deleted: this system does not lock loaded DLLs, so the test proves nothing")
	}

	src := filepath.Join(dir, "new.dll")
	testenv.WriteFile(t, src, "new build")
	if err := ReplaceLibrary(src, out); err != nil {
		t.Fatalf("replacing a loaded DLL: %v", err)
	}
	if data, _ := os.ReadFile(out); string(data) != "new build" {
		t.Fatalf("%s holds %d bytes, not the new build", out, len(data))
	}
	aside, _ := filepath.Glob(filepath.Join(dir, ".hotpatch", "libgame.moved-aside-*.dll"))
	if len(aside) != 1 {
		t.Fatalf("moved aside: %v, want one file", aside)
	}
	if n, err := RemoveStaleCopies(out); err != nil || n != 0 {
		t.Errorf("RemoveStaleCopies with the DLL loaded = %d, %v; want 0 files", n, err)
	}

	windows.FreeLibrary(h)
	if n, err := RemoveStaleCopies(out); err != nil || n != 1 {
		t.Errorf("RemoveStaleCopies after FreeLibrary = %d, %v; want 1 file", n, err)
	}
	if _, err := os.Stat(aside[0]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s is still there", aside[0])
	}
}

// TestReplaceWhileRead publishes a build while a patcher copies the previous
// one, which openShared opened: the library is moved aside at once. Then a
// stamp while a patcher reads the previous one: Windows (and Wine) refuse to
// rename over an open file, even one opened with FILE_SHARE_DELETE, so the
// rename is tried again until the reader is done.
func TestReplaceWhileRead(t *testing.T) {
	dir := testenv.TempDir(t)
	for _, c := range []struct {
		name    string
		replace func(src, dst string) error
		hold    time.Duration
	}{
		{"libgame.dll", ReplaceLibrary, time.Minute},
		{"libgame.dll.hotpatch", ReplaceFile, 300 * time.Millisecond},
	} {
		out := filepath.Join(dir, c.name)
		testenv.WriteFile(t, out, "old")
		f, err := openShared(out)
		if err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(c.hold, func() { f.Close() })
		src := filepath.Join(dir, "new")
		testenv.WriteFile(t, src, "new "+c.name)
		if err := c.replace(src, out); err != nil {
			t.Fatalf("replacing %s while it is read: %v", c.name, err)
		}
		timer.Stop()
		f.Close()
		if data, _ := os.ReadFile(out); string(data) != "new "+c.name {
			t.Fatalf("%s holds %q", out, data)
		}
	}
}
