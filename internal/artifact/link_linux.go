package artifact

// canLink says that a copy may be a hard link to the build output. On Linux,
// the loader that gets a link to a file it loaded already, under another name,
// hands back the copy it has, and the caller can tell (rt/dlfcn_unix.go).
const canLink = true
