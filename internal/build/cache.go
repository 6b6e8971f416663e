package build

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// hotpatch build keeps what it learnt about a library and its tools in the
// user's cache folder, under hotpatch/: the warm analysis (session_disk.go),
// which linkers the C compiler can use (linker.go), the C compiler's answers
// to the linker's questions about flags (extld.go), and C compiles
// (compilecache.go). Every entry is only a shortcut: one that is missing, or
// does not read, costs a build the work that it saves.

// cachePath returns the file name under the cache folder's hotpatch/kind
// folder, or "" if there is no cache folder.
func cachePath(kind, name string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "hotpatch", kind, name)
}

// writeCacheFile writes data to path whole, or not at all: a build that
// reads the file while another writes it sees the old one.
func writeCacheFile(path string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

// writeProgram writes to the digest h where PATH finds the program name,
// and that file's size and time, so that a cache entry about the program
// lapses when another version is installed. It reports false if there is
// no such program.
func writeProgram(h io.Writer, name string) bool {
	path, err := lookPath(name)
	if err != nil {
		return false
	}
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	fmt.Fprintf(h, "%s %d %d\n", path, fi.Size(), fi.ModTime().UnixNano())
	return true
}
