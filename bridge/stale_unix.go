//go:build unix

package bridge

import (
	"net"
	"syscall"
)

// peerClosed peeks at nc without blocking: true when the peer closed it, reset it, or
// sent bytes nobody asked for. (A read with a past deadline cannot tell: Go fails it
// before reading.)
func peerClosed(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = (err != syscall.EAGAIN && err != syscall.EWOULDBLOCK) || n > 0
		return true // never wait
	})
	return closed || err != nil
}
