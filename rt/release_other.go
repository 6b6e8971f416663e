//go:build !linux

package rt

// releaseMappings gives back nothing outside Linux: on Windows the pages of a
// DLL's image stay in the working set until the system trims it.
func releaseMappings(path string) (int, error) { return 0, nil }
