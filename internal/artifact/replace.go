package artifact

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// movedAsideMarker names a library that ReplaceLibrary moved aside because a
// process had it loaded: libgame.moved-aside-1764000000000000000.dll.
const movedAsideMarker = ".moved-aside-"

// Windows refuses, for a moment, to rename a file that another process holds
// open without FILE_SHARE_DELETE: there, a rename is tried again for up to two
// seconds. The patcher's own reads share deletion (openShared).
const (
	replaceTries = 100
	replaceDelay = 20 * time.Millisecond
)

// ReplaceFile renames src over dst.
func ReplaceFile(src, dst string) error { return replace(src, dst, false) }

// ReplaceLibrary renames src over dst, a library that processes may have
// loaded.
//
// Windows refuses to replace or delete a DLL that a process has loaded, but
// lets it be renamed: there, dst is first moved aside into the copy folder,
// where RemoveStaleCopies deletes it once no process has it loaded any more.
// A rebuild never fails because a process runs the library. Elsewhere a
// rename replaces a loaded library safely, and nothing is moved aside.
func ReplaceLibrary(src, dst string) error { return replace(src, dst, true) }

func replace(src, dst string, library bool) error {
	var err error
	for try := 0; try < replaceTries; try++ {
		if try > 0 {
			time.Sleep(replaceDelay)
		}
		if err = os.Rename(src, dst); err == nil {
			return nil
		}
		if runtime.GOOS != "windows" {
			break // a failed rename is an error at once
		}
		if !library {
			continue
		}
		if _, statErr := os.Stat(dst); statErr != nil {
			continue // dst is not in the way
		}
		aside := movedAsidePath(dst, time.Now().UnixNano())
		if os.MkdirAll(filepath.Dir(aside), 0o755) == nil && os.Rename(dst, aside) == nil {
			if err = os.Rename(src, dst); err == nil {
				return nil
			}
			// Put the old library back; if that fails too, the next try
			// finds nothing in the way.
			os.Rename(aside, dst)
		}
	}
	return fmt.Errorf("replacing %s: %w", dst, err)
}

func movedAsidePath(out string, n int64) string {
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(filepath.Base(out), ext)
	return filepath.Join(filepath.Dir(out), copyDirName, stem+movedAsideMarker+strconv.FormatInt(n, 10)+ext)
}
