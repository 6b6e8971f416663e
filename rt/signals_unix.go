//go:build linux || darwin

package rt

/*
#include <stdint.h>
int hp_signals_adopt(uintptr_t addr);
int hp_signals_hold(uintptr_t addr);
int hp_signals_check(void);
int hp_signals_follower(void);
int hp_signals_early(void);
void hp_signals_lock(void);
void hp_signals_unlock(void);
*/
import "C"

import (
	"fmt"
	"reflect"
	"unsafe"
)

// adoptSignals records this copy, the original, and the signal handlers of
// its runtime, and installs the dispatcher (signals_unix.c) in their place,
// so that every Go runtime in the process keeps asynchronous preemption and
// every fault reaches the runtime it belongs to. The original copy calls it
// as soon as its own runtime is up.
func adoptSignals() error {
	return signalError(C.hp_signals_adopt(C.uintptr_t(reflect.ValueOf(adoptSignals).Pointer())))
}

// holdSignals records a patch copy that dlopen has just loaded, whose code
// holds code, with its runtime's fault handlers, and puts the fault
// dispatcher back. The copy put the SIGURG dispatcher back itself, inside
// dlopen (hp_start in signals_unix.c).
func holdSignals(code unsafe.Pointer) error {
	return signalError(C.hp_signals_hold(C.uintptr_t(uintptr(code))))
}

// lockSignals keeps the patchers of the other libraries that use hotpatch
// in the process, those whose SIGURG handlers are in the same dispatcher's
// table, from loading a copy until the returned function is called.
func lockSignals() (unlock func()) {
	C.hp_signals_lock()
	return func() { C.hp_signals_unlock() }
}

// signalsFollower reports whether this library's SIGURG handlers joined the
// dispatcher of another library that uses hotpatch, loaded before it.
func signalsFollower() bool { return C.hp_signals_follower() != 0 }

// signalsEarly reports whether this copy's runtime never had its own SIGURG
// handler installed: the dispatcher took it as the runtime installed it
// (signals_linux.go).
func signalsEarly() bool { return C.hp_signals_early() != 0 }

// checkSignals reports the signals whose dispatcher the host replaced since
// the last check, and puts the dispatcher back: a replacing handler keeps
// receiving the faults outside every copy's code, and its SIGURG too.
func checkSignals() []string {
	mask := int(C.hp_signals_check())
	var replaced []string
	for i, name := range []string{"SIGURG", "SIGSEGV", "SIGBUS", "SIGFPE", "SIGPIPE"} {
		if mask&(1<<i) != 0 {
			replaced = append(replaced, name)
		}
	}
	return replaced
}

func signalError(rc C.int) error {
	switch {
	case rc == 0:
		return nil
	case rc == -1:
		return fmt.Errorf("installing the signal dispatcher: more than 4096 copies")
	case rc == -2:
		return fmt.Errorf("installing the signal dispatcher: the copy's code is not in any loaded image")
	}
	return fmt.Errorf("installing the signal dispatcher: error %d", int(rc))
}
