package loader

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// ErrMismatch means that the build output does not match its stamp: it is
// still being written, or something other than hotpatch build wrote it.
var ErrMismatch = errors.New("build output does not match its stamp")

// CopyVerified copies the build output src to dst, checking that it matches
// the stamp want and that it holds every one of symbols. A process must never
// load src itself: a later build replaces it, and the dynamic loader would
// hand back the copy it loaded first for the same path. dst must not exist:
// overwriting a loaded copy would crash the process, so an existing dst is an
// error that wraps fs.ErrExist. On any other failure, dst is removed.
//
// The symbols are checked in the file's bytes, before loading it: loading a
// library that is not a hotpatch build would start a Go runtime whose SIGURG
// handler cannot safely be adopted, since no call into it can tell when it is
// ready.
func CopyVerified(src, dst string, want Stamp, symbols ...string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if sum := crc32.Checksum(data, castagnoli); int64(len(data)) != want.Size || sum != want.CRC32C {
		return fmt.Errorf("%s: %d bytes with CRC %08x, stamp %s says %d bytes with CRC %08x: %w",
			src, len(data), sum, want.Build, want.Size, want.CRC32C, ErrMismatch)
	}
	for _, s := range symbols {
		if !bytes.Contains(data, []byte(s)) {
			return fmt.Errorf("%s has no symbol %s: it was not built by hotpatch build, or by an incompatible version", src, s)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return err
	}
	return nil
}
