// Package testenv holds what the tests of several packages share: a
// temporary folder that Wine can remove, the rule that a missing tool skips a
// test except in CI, and a process id that no process has.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// DeadPID is above the largest process id of Linux (2^22) and of Windows as
// used in practice, so no running process has it.
const DeadPID = 1<<22 + 1

// TempDir is t.TempDir with a cleanup that works under Wine 8. In Go 1.26,
// os.RemoveAll on Windows deletes through NtSetInformationFile with
// FileDispositionInformationEx, which Wine 8 fails with "Invalid function"
// (ERROR_INVALID_FUNCTION), a status Go does not fall back from; os.Remove
// uses DeleteFileW and RemoveDirectoryW, which work.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hotpatch-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(dir) })
	return dir
}

func removeTree(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			removeTree(filepath.Join(dir, e.Name()))
		} else {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	os.Remove(dir)
}

// Required reports whether every host test must run here: CI sets
// HOTPATCH_REQUIRE_HOSTS=1 (.ci/run), and then a missing tool fails a test
// instead of skipping it.
func Required() bool { return os.Getenv("HOTPATCH_REQUIRE_HOSTS") == "1" }

// SkipOrFail skips the test because of why, or fails it if every host test
// must run here.
func SkipOrFail(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("this test must run here (HOTPATCH_REQUIRE_HOSTS=1), but %s", why)
	}
	t.Skipf("skipping: %s", why)
}

// NeedTool returns the path of the program name, or skips the test (fails
// it in CI) with what to install.
func NeedTool(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		SkipOrFail(t, name+" is not installed ("+install+")")
	}
	return path
}

// WriteFile writes data to name, making its folder.
func WriteFile(t testing.TB, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o755); err != nil {
		t.Fatal(err)
	}
}
