//go:build !windows

package artifact

import "os"

// openShared opens path for reading. Elsewhere than on Windows, an open file
// never keeps others from renaming or replacing it.
func openShared(path string) (*os.File, error) { return os.Open(path) }
