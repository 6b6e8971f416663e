package rt

// Windows preempts goroutines by suspending their thread (SuspendThread and
// GetThreadContext), not with a signal: every runtime preempts its own threads
// and no copy can swallow another's preemption, so there is nothing to
// dispatch. The preemption steps of TestWindowsCHost and TestWindowsGoHost
// check it under Wine.

func adoptSIGURG() error   { return nil }
func holdSIGURG() error    { return nil }
func releaseSIGURG() error { return nil }
