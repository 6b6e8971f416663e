package rt

// The Go runtime of a library installs its signal handlers through the C
// library's sigaction, inside the constructor that dlopen runs
// (runtime/cgo's x_cgo_sigaction). Linked with --wrap=sigaction, every
// sigaction call of the library goes through __wrap_sigaction
// (signals_unix.c) instead, which puts the runtime's SIGURG handler in the
// dispatcher's table before anything could signal it: a runtime whose own
// handler is installed, even for a moment, swallows the SIGURG meant for
// every other runtime, and a runtime that loses one never sends that thread
// another.

/*
#cgo LDFLAGS: -Wl,--wrap=sigaction
*/
import "C"
