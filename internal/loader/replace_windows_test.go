package loader

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

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
	dir := tempDir(t)
	out := filepath.Join(dir, "libgame.dll")
	writeFile(t, out, string(dll))
	h, err := windows.LoadLibrary(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(out); err == nil {
		t.Fatal("a loaded DLL was deleted: this system does not lock loaded DLLs, so the test proves nothing")
	}

	src := filepath.Join(dir, "new.dll")
	writeFile(t, src, "new build")
	if err := ReplaceFile(src, out); err != nil {
		t.Fatalf("replacing a loaded DLL: %v", err)
	}
	if data, _ := os.ReadFile(out); string(data) != "new build" {
		t.Fatalf("%s holds %d bytes, not the new build", out, len(data))
	}
	aside, _ := filepath.Glob(filepath.Join(dir, ".hotpatch", "libgame.replaced-*.dll"))
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
