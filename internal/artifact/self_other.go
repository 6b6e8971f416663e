//go:build !linux && !windows && !(darwin && cgo)

package artifact

// selfPath is unknown here: on darwin without cgo, or on a system hotpatch
// does not build libraries for. The command hotpatch still builds, and a
// library built here is never taken for a patch copy.
func selfPath() string { return "" }
