package artifact

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
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
	return scan.check(src)
}

// LinkVerified gives dst the bytes of the build output src, as CopyVerified
// does, but as a hard link to src's file where it can: on Linux (canLink),
// when the stamp identifies src's file (Stamp.File) and the file system links
// it. A link copies nothing: copying a 7 MB build is 3 ms of CPU on the
// reload path, beside the host's threads, and linking it tens of
// microseconds (BenchmarkCopyVerified, BenchmarkLinkVerified). A published build is never
// written again, so the link is as safe to load as a copy. linked reports a
// link: the loader hands back the copy it has if another patcher in the
// process loaded the same file first, and the caller must check
// (rt/attach.go). Otherwise, and when the file at src is not the one the
// stamp names, it copies.
func LinkVerified(src, dst string, want Stamp, symbols ...string) (linked bool, err error) {
	if !canLink || want.File == (FileID{}) {
		return false, CopyVerified(src, dst, want, symbols...)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, err
	}
	if err := os.Link(src, dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, err
		}
		// Another file system, one without links, or a link the system
		// forbids (fs.protected_hardlinks).
		return false, CopyVerified(src, dst, want, symbols...)
	}
	same, err := checkLinked(dst, want, symbols)
	if err != nil || !same {
		os.Remove(dst)
	}
	if err != nil {
		return false, err
	}
	if !same {
		// A newer build replaced the output since the stamp, or the
		// stamp was made where device numbers differ: the copy checks
		// the bytes.
		return false, CopyVerified(src, dst, want, symbols...)
	}
	return true, nil
}

// checkLinked reports whether the file at path is the one that want names,
// and then checks that it holds every one of symbols.
func checkLinked(path string, want Stamp, symbols []string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	if fileID(info) != want.File || info.Size() != want.Size {
		return false, nil
	}
	scan := newSymbolScan(symbols)
	buf := make([]byte, copyBufferSize)
	for scan.missing() != "" {
		n, err := f.Read(buf)
		scan.add(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	return true, scan.check(path)
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

// check returns an error naming the first symbol that the file at path
// lacks.
func (s *symbolScan) check(path string) error {
	if missing := s.missing(); missing != "" {
		return fmt.Errorf("%s has no symbol %s: it was not built by hotpatch build, or by an incompatible version", path, missing)
	}
	return nil
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
