//go:build linux || darwin

package rt

// nativePath turns the build output's path, as hotpatch build wrote it, into
// a path of this system: on Unix systems, it is one already.
func nativePath(out string) string { return out }
