package artifact

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// A Stamp describes a published build. hotpatch build writes it beside the
// build output after the output is complete and renamed into place; the
// running library loads a build only when the file it copies matches its
// stamp, so a half-written or foreign file is never loaded.
type Stamp struct {
	// Build identifies the build. Each copy reports the same identifier.
	Build string `json:"build"`
	// Size and CRC32C are the size and Castagnoli CRC-32 of the output.
	Size   int64  `json:"size"`
	CRC32C uint32 `json:"crc32c"`
	// Go is the version of Go that built it, such as go1.27.3: a running
	// process checks that its environment lets that runtime start.
	Go string `json:"go,omitempty"`
	// Published is when hotpatch build published it: processes report the
	// time from then to applied.
	Published time.Time `json:"published,omitempty"`
	// Code is a digest of what the build runs, without line tables and
	// debug information: a build with the same code is not published.
	Code string `json:"code,omitempty"`
	// File identifies the file that holds the build, on Unix: a process
	// that finds that very file at the output links its copy to it rather
	// than copying it (LinkVerified). Stamps without it, from older
	// versions, are copied.
	File FileID `json:"file,omitzero"`
}

// A FileID identifies a file and its last change: its device and inode
// number, and its modification time in nanoseconds. A published build is
// never written again (publish replaces it by a rename), so a file with the
// same FileID holds the same bytes. The zero FileID identifies no file.
type FileID struct {
	Dev     uint64 `json:"dev"`
	Ino     uint64 `json:"ino"`
	ModTime int64  `json:"mtime"`
}

// StampPath returns the path of the stamp of the build output out.
func StampPath(out string) string { return out + ".hotpatch" }

// castagnoli is made on first use: making it is a third of a millisecond,
// and the hotpatch command, which links this package, runs again for every
// tool that go build runs.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// StampFile computes the stamp of the file at path for build. A rename keeps
// the file, so the stamp identifies the build output once path is renamed
// there.
func StampFile(path, build string) (Stamp, error) {
	f, err := os.Open(path)
	if err != nil {
		return Stamp{}, err
	}
	defer f.Close()
	h := crc32.New(castagnoli())
	n, err := io.Copy(h, f)
	if err != nil {
		return Stamp{}, fmt.Errorf("reading %s: %w", path, err)
	}
	info, err := f.Stat()
	if err != nil {
		return Stamp{}, err
	}
	return Stamp{Build: build, Size: n, CRC32C: h.Sum32(), File: fileID(info)}, nil
}

// WriteStamp publishes the stamp of the build output out. The stamp is
// written to a temporary file and renamed into place, so a reader never sees
// half of it.
func WriteStamp(out string, s Stamp) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return writeFileAtomic(StampPath(out), data)
}

// ErrNoStamp means that the build output has no stamp: it was not built by
// hotpatch build, or not yet.
var ErrNoStamp = errors.New("no hotpatch stamp")

// ReadStamp reads the stamp of the build output out.
func ReadStamp(out string) (Stamp, error) {
	data, err := readShared(StampPath(out))
	if errors.Is(err, fs.ErrNotExist) {
		return Stamp{}, fmt.Errorf("%s: %w", StampPath(out), ErrNoStamp)
	}
	if err != nil {
		return Stamp{}, err
	}
	var s Stamp
	if err := json.Unmarshal(data, &s); err != nil || s.Build == "" {
		return Stamp{}, fmt.Errorf("%s is corrupt (%q): rebuild with hotpatch build", StampPath(out), data)
	}
	return s, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// over path.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := ReplaceFile(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// readShared reads the file at path with openShared.
func readShared(path string) ([]byte, error) {
	f, err := openShared(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
