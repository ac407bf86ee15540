//go:build unix

package launch

import (
	"io/fs"
	"os"
	"os/exec"
	"syscall"
)

var terminateSignal os.Signal = syscall.SIGTERM

// setProcessGroup puts the VM in a process group of its own, so that signals reach the
// VM even when it was started through a shell script.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func signalGroup(cmd *exec.Cmd, sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return cmd.Process.Signal(sig)
	}
	return syscall.Kill(-cmd.Process.Pid, s)
}

func killGroup(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

func isExecutable(fi fs.FileInfo) bool { return fi.Mode()&0o111 != 0 }
