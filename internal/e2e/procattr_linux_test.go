package e2e

import "syscall"

// hostProcAttr makes a host die with the test process, so that a test that
// times out leaves no host spinning behind.
func hostProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
