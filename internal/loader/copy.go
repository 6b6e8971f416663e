package loader

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// ErrMismatch means that the build output does not match its stamp: it is
// still being written, or something other than hotpatch build wrote it.
var ErrMismatch = errors.New("build output does not match its stamp")

// CopyVerified copies the build output src to dst, checking on the way that
// it matches the stamp want. A process must never load src itself: a later
// build replaces it, and the dynamic loader would hand back the copy it loaded
// first for the same path. On a mismatch dst is removed.
func CopyVerified(src, dst string, want Stamp) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	h := crc32.New(castagnoli)
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && (n != want.Size || h.Sum32() != want.CRC32C) {
		err = fmt.Errorf("%s: %d bytes with CRC %08x, stamp %s says %d bytes with CRC %08x: %w",
			src, n, h.Sum32(), want.Build, want.Size, want.CRC32C, ErrMismatch)
	}
	if err != nil {
		os.Remove(dst)
		return err
	}
	return nil
}
