// Package artifact owns the files that a build leaves and a running library
// reads: the build output and its stamp, the copies that a process loads, the
// libraries that a rebuild moved aside, and the library's own path.
//
// Every build that a process loads is a separate Go runtime with its own heap,
// and none can be unloaded (ARCHITECTURE.md, "Measured facts"). Loading a file
// that is being written, or overwriting a file that is loaded, crashes the
// process, so builds are published with a stamp (stamp.go), replaced by
// renames (replace.go), and loaded from a file of the process's own: on Linux
// a hard link to the build's file, which the stamp identifies, elsewhere a
// copy, checked as it is made (copy.go, link_<os>.go, naming.go).
package artifact
