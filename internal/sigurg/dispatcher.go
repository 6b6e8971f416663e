//go:build linux || darwin

// Package sigurg keeps asynchronous preemption working for every Go runtime
// in the process. See dispatcher.c for why it is needed.
package sigurg

/*
int hp_sigurg_adopt(void);
int hp_sigurg_handlers(void);
*/
import "C"

import "fmt"

// Adopt records the SIGURG handler that is installed now, and installs the
// dispatcher in its place. The original copy calls it once its own runtime is
// up, and again after the first call into each new copy has returned.
func Adopt() error {
	if rc := C.hp_sigurg_adopt(); rc != 0 {
		return fmt.Errorf("installing the SIGURG dispatcher: error %d", int(rc))
	}
	return nil
}

// Handlers returns how many runtimes' handlers the dispatcher calls.
func Handlers() int { return int(C.hp_sigurg_handlers()) }
