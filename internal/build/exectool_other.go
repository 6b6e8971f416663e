//go:build !unix

package build

import (
	"io"
	"os/exec"
)

// execTool runs cmd and returns its exit code: Windows cannot replace a
// process with another program.
func execTool(cmd *exec.Cmd, stderr io.Writer) int { return runTool(cmd, stderr) }
