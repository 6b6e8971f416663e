// Package loader finds, verifies and loads new builds of the library as
// fresh copies in the running process.
//
// Every build that a process loads is a separate Go runtime with its own heap,
// and none can be unloaded (see the project's facts on several runtimes in one
// process). Loading a file that is being written, or overwriting a file that is
// loaded, crashes the process, so builds are published with a stamp file
// (stamp.go) and loaded from a private copy (copy.go).
package loader
