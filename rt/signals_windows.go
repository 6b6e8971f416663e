package rt

import "unsafe"

// Windows preempts goroutines by suspending their thread (SuspendThread and
// GetThreadContext), not with a signal, and delivers faults to vectored
// exception handlers that it calls in turn, not nested: no copy can swallow
// another's preemption or push its faults off the stack, so there is nothing
// to dispatch. The preemption steps of TestWindowsCHost and TestWindowsGoHost,
// and TestWindowsFaults, check it under Wine.

func adoptSignals() error              { return nil }
func holdSignals(unsafe.Pointer) error { return nil }
func checkSignals() []string           { return nil }
func signalsFollower() bool            { return false }
func signalsEarly() bool               { return false }
func lockSignals() (unlock func())     { return func() {} }
