// Package lifecycle holds what the package hotpatch asks of the runtime
// about a copy's life: whether a newer copy owns its state (Retired), and
// when new builds apply (ApplyOnRequest, Apply). The package hotpatch does not
// import the runtime (deps.go there says why); both import this.
package lifecycle

import (
	"errors"
	"sync"
	"sync/atomic"
)

var (
	retired    = make(chan struct{})
	retireOnce sync.Once
)

// Retired returns a channel that is closed once a newer copy owns this
// copy's state.
func Retired() <-chan struct{} { return retired }

// Retire closes the channel that Retired returns.
func Retire() { retireOnce.Do(func() { close(retired) }) }

var onRequest atomic.Bool

// SetApplyOnRequest makes new builds wait for Apply.
func SetApplyOnRequest() { onRequest.Store(true) }

// ApplyOnRequest reports whether new builds wait for Apply.
func ApplyOnRequest() bool { return onRequest.Load() }

var applier atomic.Pointer[func() (bool, error)]

// SetApplier sets what Apply does: the patcher's apply of a waiting build.
func SetApplier(f func() (bool, error)) { applier.Store(&f) }

// ErrNoPatcher means that Apply ran in a copy that has no patcher: a patch
// copy, or a library whose patcher has not started yet.
var ErrNoPatcher = errors.New("hotpatch: Apply called where no patcher runs: call it from the library the host loaded, once its initialisation is over")

// Apply applies the build that waits, if any, and reports whether one did.
func Apply() (bool, error) {
	f := applier.Load()
	if f == nil {
		return false, ErrNoPatcher
	}
	return (*f)()
}
