//go:build !linux

package artifact

// canLink is false: Windows keeps a loaded library's file from being replaced
// and moves it aside instead (replace.go), and links are untested on macOS;
// copies are copies there.
const canLink = false
