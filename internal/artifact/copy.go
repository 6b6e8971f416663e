package artifact

import (
	"bytes"
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

// copyBufferSize is the chunk CopyVerified reads at a time. Reading a whole
// build at once (about 7 MB) allocated it on the heap of the running copy,
// and the allocation and its GC made up most of a reload's time. Small chunks
// also keep each read short: a long system call lets the runtime hand the
// patcher's P to another thread, and with every P busy with host threads,
// getting one back takes a scheduler tick (up to 10 ms).
const copyBufferSize = 64 << 10

// yieldEvery is how many bytes the copy writes between pauses for other
// threads (yield_linux.go): about half a millisecond of CPU. A pause after
// every chunk made a reload with 8 busy host threads slower, as the copy
// waited behind them each time.
const yieldEvery = 1 << 20

// CopyVerified copies the build output src to dst, checking that the copy
// matches the stamp want and that it holds every one of symbols. A process
// must never load src itself: a later build replaces it, and the dynamic
// loader would hand back the copy it loaded first for the same path. dst must
// not exist: overwriting a loaded copy would crash the process, so an existing
// dst is an error that wraps fs.ErrExist. On any other failure, dst is
// removed.
//
// The check covers the bytes written to dst, in one pass as they are copied.
// The symbols are checked in those bytes, before loading them: loading a
// library that is not a hotpatch build would start a Go runtime whose SIGURG
// handler cannot safely be adopted, since no call into it can tell when it is
// ready.
func CopyVerified(src, dst string, want Stamp, symbols ...string) (err error) {
	in, err := openShared(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	scan := newSymbolScan(symbols)
	var size int64
	var sum uint32
	buf := make([]byte, copyBufferSize)
	for {
		n, rerr := in.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			sum = crc32.Update(sum, castagnoli(), chunk)
			scan.add(chunk)
			if _, err := out.Write(chunk); err != nil {
				return err
			}
			size += int64(n)
			if size%yieldEvery < int64(n) {
				yieldCPU()
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("reading %s: %w", src, rerr)
		}
	}
	if size != want.Size || sum != want.CRC32C {
		return fmt.Errorf("%s: %d bytes with CRC %08x, stamp %s says %d bytes with CRC %08x: %w",
			src, size, sum, want.Build, want.Size, want.CRC32C, ErrMismatch)
	}
	if missing := scan.missing(); missing != "" {
		return fmt.Errorf("%s has no symbol %s: it was not built by hotpatch build, or by an incompatible version", src, missing)
	}
	return nil
}

// A symbolScan looks for names in a file read in chunks, including names that
// straddle two chunks.
type symbolScan struct {
	names [][]byte
	found []bool
	tail  []byte // the end of the bytes seen so far, shorter than the longest name
}

func newSymbolScan(names []string) *symbolScan {
	s := &symbolScan{found: make([]bool, len(names))}
	for _, n := range names {
		s.names = append(s.names, []byte(n))
	}
	return s
}

func (s *symbolScan) add(chunk []byte) {
	if s.missing() == "" {
		return // an ELF library names its symbols in its first pages
	}
	keep := 0
	for _, n := range s.names {
		keep = max(keep, len(n)-1)
	}
	// The names that straddle the previous chunk and this one.
	seam := append(s.tail, chunk[:min(len(chunk), keep)]...)
	for i, n := range s.names {
		if !s.found[i] && (bytes.Contains(chunk, n) || bytes.Contains(seam, n)) {
			s.found[i] = true
		}
	}
	seam = append(s.tail, chunk[max(0, len(chunk)-keep):]...)
	s.tail = append(s.tail[:0:0], seam[max(0, len(seam)-keep):]...)
}

// missing returns the first name not found, or "".
func (s *symbolScan) missing() string {
	for i, n := range s.names {
		if !s.found[i] {
			return string(n)
		}
	}
	return ""
}
