package loader

import (
	"fmt"
	"path/filepath"
	"strings"
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

// IsCopyPath reports whether path names a copy made by CopyPath.
func IsCopyPath(path string) bool {
	return filepath.Base(filepath.Dir(path)) == copyDirName && strings.Contains(filepath.Base(path), copyMarker)
}

// IsPatchCopy reports whether this code runs in a copy that the patcher
// loaded, rather than in the library the host process loaded.
func IsPatchCopy() bool { return patchCopy }

var patchCopy = IsCopyPath(SelfPath())

// SelfPath returns the path of the library (or executable) this code belongs
// to, as the dynamic loader recorded it.
func SelfPath() string { return selfPath() }
