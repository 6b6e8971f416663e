package build

import (
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

func headerPath(lib string) string { return strings.TrimSuffix(lib, filepath.Ext(lib)) + ".h" }

// publish renames the new library over the output, then writes its stamp.
// Processes that loaded the old file keep it: a rename replaces the name, not
// the file (on Windows, the loaded file is moved aside first; see
// artifact.ReplaceLibrary). They load the new build only once the stamp names
// it.
func publish(tmp, out, id string) error {
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
	if err := artifact.ReplaceLibrary(tmp, out); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("publishing the build: %w", err)
	}
	return artifact.WriteStamp(out, stamp)
}
