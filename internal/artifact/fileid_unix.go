//go:build unix

package artifact

import (
	"io/fs"
	"syscall"
)

// fileID returns the identity of the file that info describes.
func fileID(info fs.FileInfo) FileID {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return FileID{}
	}
	return FileID{Dev: uint64(st.Dev), Ino: uint64(st.Ino), ModTime: info.ModTime().UnixNano()}
}
