package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// replacedMarker names a build output that ReplaceFile moved aside because a
// process had it loaded: libgame.replaced-1764000000000000000.dll.
const replacedMarker = ".replaced-"

// Windows refuses, for a moment, to rename a file that another process is
// reading, such as a patcher copying the build output or reading its stamp:
// there, ReplaceFile tries again for up to two seconds.
const (
	replaceTries = 100
	replaceDelay = 20 * time.Millisecond
)

// ReplaceFile renames src over dst.
//
// Windows refuses to replace or delete a DLL that a process has loaded, but
// lets it be renamed: there, such a dst is first moved aside into the copy
// folder, where RemoveStaleCopies deletes it once no process has it loaded any
// more. A rebuild never fails because a process runs the library. Elsewhere a
// rename replaces a loaded library safely: nothing is moved aside, and a
// failed rename is an error at once.
func ReplaceFile(src, dst string) error {
	var err error
	for try := 0; try < replaceTries; try++ {
		if try > 0 {
			time.Sleep(replaceDelay)
		}
		if err = os.Rename(src, dst); err == nil {
			return nil
		}
		if runtime.GOOS != "windows" {
			break
		}
		if _, statErr := os.Stat(dst); statErr != nil {
			continue // dst is not in the way
		}
		aside := replacedPath(dst, time.Now().UnixNano())
		if os.MkdirAll(filepath.Dir(aside), 0o755) == nil && os.Rename(dst, aside) == nil {
			if err = os.Rename(src, dst); err == nil {
				return nil
			}
			os.Rename(aside, dst) // put the old one back
		}
	}
	return fmt.Errorf("replacing %s: %w", dst, err)
}

func replacedPath(out string, n int64) string {
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(filepath.Base(out), ext)
	return filepath.Join(filepath.Dir(out), copyDirName, stem+replacedMarker+strconv.FormatInt(n, 10)+ext)
}
