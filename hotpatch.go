// Package hotpatch hot-patches Go shared libraries (.so, .dll) while a process
// has them loaded.
//
// Mark a function of a library built with -buildmode=c-shared with the
// directive //hotpatch:func on the line before its declaration, and build the
// library with the hotpatch command:
//
//	hotpatch build -o libgame.so .
//
// Some process loads the library. From then on every rebuild reaches it: the
// library notices the new build by itself, loads it as a fresh copy beside the
// running one, and the next call of each marked function runs the new body.
//
// A plain go build of the same code gives an ordinary library: marked functions
// are plain functions, IsHotpatched reports false, and this package does
// nothing. The build tag "hotpatch" is set only by hotpatch build, so code that
// should exist only in hot-patchable builds can be guarded with
// //go:build hotpatch.
package hotpatch

import (
	"log/slog"
	"strings"
)

// IsHotpatched reports whether the running code belongs to a patch copy: a
// copy of the library that the patcher loaded, rather than the original copy,
// which the host process loaded itself. It is already true during the package
// initialisation of a patch copy, so init functions and exported entry points
// can use it to skip one-time setup that the original copy has done.
func IsHotpatched() bool { return isHotpatched() }

// SetLogger sets the logger that receives the library's records: what it
// loads, what it patches, and what it skips and why. Records logged by patch
// copies reach the logger set in the original copy, the one the host loaded;
// in a patch copy, SetLogger has no effect. The default is slog.Default().
func SetLogger(l *slog.Logger) { setLogger(l) }

// SetLogLevel sets the lowest level of the records passed to the logger.
// The default is slog.LevelInfo.
func SetLogLevel(level slog.Level) { setLogLevel(level) }

// Retired returns a channel that is closed in a copy of the library once a
// newer copy owns its state: once a newer build has applied, the marked
// functions run there, with the kept variables (//hotpatch:keep) that moved
// there. A goroutine that a copy started, such as a ticker, selects on it to
// stop:
//
//	go func() {
//		t := time.NewTicker(time.Second)
//		defer t.Stop()
//		for {
//			select {
//			case <-t.C:
//				tick() // a marked function: it runs in the copy that owns the state
//			case <-hotpatch.Retired():
//				return
//			}
//		}
//	}()
//
// In a plain build, it returns a channel that is never closed.
func Retired() <-chan struct{} { return retired() }

// ApplyOnRequest makes new builds wait, loaded and checked, until the library
// calls Apply: for a library that needs every call of a frame to run one
// version, and its kept state to move between frames. Call it from an init
// function; it has no effect in a plain build.
func ApplyOnRequest() { applyOnRequest() }

// Apply applies the newest build that has loaded since the last apply, if
// ApplyOnRequest is in effect, and reports whether one applied. Call it where
// no marked function runs, such as at the top of the library's per-frame
// export, before its first marked call: kept state moves only between marked
// calls, and a call from inside one returns an error. In a plain build it
// does nothing.
func Apply() (bool, error) { return apply() }

// A PanicError is the value that a caller's recover returns when the body of a
// hot-patched function panicked in a newer copy of the library. Values cannot
// cross between copies, so the panic value travels as its text.
type PanicError struct {
	// Func names the function, as in "example.com/game.presentFrame".
	Func string
	// Value is the text of the original panic value, as fmt.Sprint formats it.
	Value string
	// Stack is the goroutine stack in the copy where the panic happened.
	Stack string
	// Build identifies that copy's build.
	Build string
}

// Error returns the panic value's text followed by the stack of the copy in
// which it happened, so that an unrecovered panic prints both.
func (e *PanicError) Error() string {
	var b strings.Builder
	b.WriteString(e.Value)
	b.WriteString("\n\n[hot-patched build ")
	b.WriteString(e.Build)
	b.WriteString(", panic in ")
	b.WriteString(e.Func)
	b.WriteString("]\n")
	b.WriteString(e.Stack)
	return b.String()
}
