//go:build !(linux || darwin || windows)

package rt

// hotpatch builds libraries for Linux, Windows and macOS only; hotpatch
// build refuses other systems by name before it compiles this package.
var _ = hotpatchRuntimeSupportsLinuxWindowsAndDarwinOnly
