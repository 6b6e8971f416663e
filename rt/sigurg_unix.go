//go:build linux || darwin

package rt

/*
int hp_sigurg_adopt(void);
int hp_sigurg_hold(void);
int hp_sigurg_release(void);
*/
import "C"

import "fmt"

// adoptSIGURG records the SIGURG handler that is installed now, and installs
// the dispatcher (sigurg_unix.c) in its place, so that every Go runtime in
// the process keeps asynchronous preemption. The original copy calls it as
// soon as its own runtime is up.
func adoptSIGURG() error { return sigurgError(C.hp_sigurg_adopt()) }

// holdSIGURG puts the dispatcher back right after dlopen has loaded a copy,
// holding the copy's handler aside; releaseSIGURG lets the dispatcher call
// it, once the first call into the copy has returned.
func holdSIGURG() error { return sigurgError(C.hp_sigurg_hold()) }

func releaseSIGURG() error { return sigurgError(C.hp_sigurg_release()) }

func sigurgError(rc C.int) error {
	if rc != 0 {
		return fmt.Errorf("installing the SIGURG dispatcher: error %d", int(rc))
	}
	return nil
}
