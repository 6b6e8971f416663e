package artifact

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// copyDirName is the folder, beside the build output, that holds the copies a
// process loads. A library that lives in such a folder under a copy's name is a
// copy the patcher loaded: that is how IsHotpatched knows, even during package
// initialisation, before any call into the copy has happened.
const copyDirName = ".hotpatch"

// copyMarker separates the library's name from the process and sequence
// numbers in a copy's file name: libgame.hotpatch-4242-3.so.
const copyMarker = ".hotpatch-"

// CopyPath returns where the seq-th copy of the build output out is placed by
// the process pid.
func CopyPath(out string, pid, seq int) string {
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(filepath.Base(out), ext)
	return filepath.Join(filepath.Dir(out), copyDirName, fmt.Sprintf("%s%s%d-%d%s", stem, copyMarker, pid, seq, ext))
}

// ProbePath returns where hotpatch build, in the process pid, places the copy
// of a new build of out that it probes before publishing it. It is named as a
// patch copy, so that the build initialises as one; RemoveStaleCopies leaves
// it alone, and hotpatch build removes it.
func ProbePath(out string, pid int) string {
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(filepath.Base(out), ext)
	return filepath.Join(filepath.Dir(out), copyDirName, fmt.Sprintf("%s%sprobe-%d%s", stem, copyMarker, pid, ext))
}

// RemoveStaleCopies removes the copies of out that processes which have ended
// left behind, and the libraries that ReplaceLibrary moved aside and no
// process has loaded any more. It returns how many files it removed.
//
// A process keeps its own copies until it ends. Removing a loaded copy would
// let the file system give its inode number to the next copy, and the dynamic
// loader, which recognises a library by device and inode, would then hand back
// the old copy for the new file.
func RemoveStaleCopies(out string) (int, error) {
	dir := filepath.Join(filepath.Dir(out), copyDirName)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(filepath.Base(out), ext)
	prefix := stem + copyMarker
	removed := 0
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, stem+movedAsideMarker) && strings.HasSuffix(name, ext) {
			// A library that a rebuild moved aside: Windows refuses to
			// delete it while a process still has it loaded.
			if os.Remove(filepath.Join(dir, name)) == nil {
				removed++
			}
			continue
		}
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !strings.HasSuffix(rest, ext) {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			removed++
		}
	}
	return removed, nil
}

// IsCopyPath reports whether path names a copy made by CopyPath.
func IsCopyPath(path string) bool {
	return filepath.Base(filepath.Dir(path)) == copyDirName && strings.Contains(filepath.Base(path), copyMarker)
}

// IsPatchCopy reports whether this code runs in a copy that the patcher
// loaded, rather than in the library the host process loaded.
func IsPatchCopy() bool { return patchCopy() }

// patchCopy reads the loader's record once, on first use: the hotpatch
// command links this package too, and runs again for every tool that go
// build runs.
var patchCopy = sync.OnceValue(func() bool { return IsCopyPath(SelfPath()) })

// SelfPath returns the path of the library (or executable) this code belongs
// to, as the dynamic loader recorded it.
func SelfPath() string { return selfPath() }
