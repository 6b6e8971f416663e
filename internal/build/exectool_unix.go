//go:build unix

package build

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// execTool runs cmd in place of this process, which has nothing left to do
// after it: go build waits for the tool, and no longer for a wrapper around
// it. It returns only if cmd cannot start.
func execTool(cmd *exec.Cmd, stderr io.Writer) int {
	if cmd.Err != nil {
		fmt.Fprintf(stderr, "hotpatch: running %s: %v\n", cmd.Path, cmd.Err)
		return 1
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	err := syscall.Exec(cmd.Path, cmd.Args, env)
	fmt.Fprintf(stderr, "hotpatch: running %s: %v\n", cmd.Path, err)
	return 1
}
