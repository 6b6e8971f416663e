package rt

import (
	"fmt"
	"runtime"
)

// roomForCopy reports whether the process can take another copy. On
// darwin/amd64 every Go runtime keeps its goroutine in the same thread slot
// (GS:0x30), so two runtimes in one process corrupt each other
// (golang/go#65050): no patch copy is loaded there. darwin/arm64 gives each
// runtime its own pthread key; it is untested.
func roomForCopy() error {
	if runtime.GOARCH == "amd64" {
		return fmt.Errorf("%w: on macOS amd64 every Go runtime uses the same thread slot, so a second one in the process would corrupt the first (golang/go#65050); rebuild and restart the process instead",
			errCopyLimit)
	}
	return nil
}
