//go:build !(linux || darwin)

// Package sigurg keeps asynchronous preemption working for every Go runtime
// in the process. Only Unix preempts with a signal; elsewhere it does nothing.
package sigurg

// Adopt does nothing on this system.
func Adopt() error { return nil }

// Handlers returns 0 on this system.
func Handlers() int { return 0 }
