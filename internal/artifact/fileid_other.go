//go:build !unix

package artifact

import "io/fs"

// fileID returns the zero FileID: copies are never links here
// (link_other.go).
func fileID(fs.FileInfo) FileID { return FileID{} }
