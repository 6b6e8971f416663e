package build

import (
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
	"github.com/hotpatch-go/hotpatch/internal/rewrite"
)

func headerPath(lib string) string { return strings.TrimSuffix(lib, filepath.Ext(lib)) + ".h" }

// publish renames the new library over the output, then writes its stamp.
// Processes that loaded the old file keep it: a rename replaces the name, not
// the file (on Windows, the loaded file is moved aside first; see
// artifact.ReplaceLibrary). They load the new build only once the stamp names
// it.
//
// The header names the marked exports as cgo exported them; it is renamed
// back to the names that hosts compile against (rewrite.ExportHeader).
func publish(tmp, out, id, code string, exports []string) error {
	if header, err := os.ReadFile(headerPath(tmp)); err == nil {
		if err := os.WriteFile(headerPath(tmp), rewrite.ExportHeader(header, exports), 0o644); err != nil {
			return err
		}
	}
	if err := os.Rename(headerPath(tmp), headerPath(out)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	stamp, err := artifact.StampFile(tmp, id)
	if err != nil {
		return err
	}
	if info, err := buildinfo.ReadFile(tmp); err == nil {
		stamp.Go = info.GoVersion
	}
	stamp.Code = code
	if err := artifact.ReplaceLibrary(tmp, out); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("publishing the build: %w", err)
	}
	stamp.Published = time.Now()
	return artifact.WriteStamp(out, stamp)
}
