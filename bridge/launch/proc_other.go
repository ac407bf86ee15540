//go:build !unix

package launch

import (
	"io/fs"
	"os"
	"os/exec"
)

var terminateSignal os.Signal = os.Kill

func setProcessGroup(cmd *exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, sig os.Signal) error { return cmd.Process.Signal(sig) }

func killGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }

func isExecutable(fi fs.FileInfo) bool { return true }
