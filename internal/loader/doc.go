// Package loader finds and verifies new builds of the library, and names and
// cleans up the copies that the runtime (package rt) loads.
//
// Every build that a process loads is a separate Go runtime with its own heap,
// and none can be unloaded (see the project's facts on several runtimes in one
// process). Loading a file that is being written, or overwriting a file that is
// loaded, crashes the process, so builds are published with a stamp file
// (stamp.go), watched through it (watch.go), and loaded from a private copy
// (copy.go, naming.go).
package loader
