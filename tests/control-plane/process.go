package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// component is one child process of the supervisor: this same binary
// re-executed as kube-apiserver, kube-controller-manager or kube-scheduler.
type component struct {
	name    string
	args    []string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	err     error         // its exit status, set before done is closed
	stopped atomic.Bool   // stop() was called: the exit is expected
}

func newComponent(logDir, name string, args []string) *component {
	return &component{name: name, args: args, logPath: filepath.Join(logDir, name+".log")}
}

func (c *component) start() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(self, append([]string{c.name}, c.args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The child dies with the supervisor, even when the supervisor is
	// killed with SIGKILL and cannot clean up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting %s: %w", c.name, err)
	}
	c.cmd = cmd
	c.done = make(chan struct{})
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	return nil
}

// stop sends SIGTERM, waits up to grace, then kills.
func (c *component) stop(grace time.Duration) {
	if c.cmd == nil {
		return
	}
	c.stopped.Store(true)
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// logTail returns the last lines of the component's log, for error messages.
func (c *component) logTail(lines int) string {
	data, err := os.ReadFile(c.logPath)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before we bind it; the supervisor retries the apiserver on a new
// port when that happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports whether a given loopback port can be bound now.
func portFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
