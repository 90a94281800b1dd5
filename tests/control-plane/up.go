package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// state is what `up` writes to DIR/cluster.json and prints as its last line
// on stdout once the control plane is ready: everything a client needs.
type state struct {
	Server     string `json:"server"`
	Kubeconfig string `json:"kubeconfig"`
	Control    string `json:"control"`
	Dir        string `json:"dir"`
	Version    string `json:"version"`
	Pid        int    `json:"pid"`
	ReadyAfter string `json:"readyAfter"`
	// AuditLog is kube-apiserver's audit log (JSON lines; see audit.go).
	AuditLog string `json:"auditLog"`
}

type upOptions struct {
	dir        string
	clean      bool
	port       int
	watchStdin bool
	timeout    time.Duration
}

func runUp(args []string) int {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	var o upOptions
	fs.StringVar(&o.dir, "dir", "", "data dir (default: a temp dir, removed on exit)")
	fs.BoolVar(&o.clean, "clean", false, "wipe --dir first if it holds data of an earlier run that is no longer running")
	fs.IntVar(&o.port, "port", 0, "kube-apiserver port on 127.0.0.1 (default: a free one)")
	fs.BoolVar(&o.watchStdin, "exit-on-stdin-eof", false, "shut down when stdin closes (the parent died)")
	fs.DurationVar(&o.timeout, "timeout", 120*time.Second, "how long to wait for the control plane to be ready")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s, err := newSupervisor(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "control-plane: %v\n", err)
		return 1
	}
	return s.run()
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "control-plane: "+format+"\n", args...)
}

// prepareDir makes sure dir is ours to use: not in use by a running
// control plane, and empty unless --clean says to wipe it.
func prepareDir(o upOptions) (dir string, temp bool, err error) {
	if o.dir == "" {
		dir, err = os.MkdirTemp("", "kube-gen-control-plane-")
		return dir, true, err
	}
	dir, err = filepath.Abs(o.dir)
	if err != nil {
		return "", false, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, "supervisor.pid")); err == nil {
		if pid, _ := strconv.Atoi(strings.TrimSpace(string(data))); pid > 0 && syscall.Kill(pid, 0) == nil {
			return "", false, fmt.Errorf("a control plane (pid %d) is already running from %s: stop it (kill %d) or pass another --dir", pid, dir, pid)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) > 0 {
		if !o.clean {
			return "", false, fmt.Errorf("%s holds data of an earlier run that is no longer running: pass --clean to wipe it, or another --dir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return "", false, err
		}
	}
	return dir, false, os.MkdirAll(dir, 0o700)
}

// waitForEOF closes the returned channel when stdin reaches end of file.
func waitForEOF(r io.Reader) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, bufio.NewReader(r))
		close(done)
	}()
	return done
}

func (s *supervisor) run() int {
	defer s.cleanup()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	var stdinClosed <-chan struct{}
	if s.opts.watchStdin {
		stdinClosed = waitForEOF(os.Stdin)
	}

	started := time.Now()
	ready := make(chan error, 1)
	go func() { ready <- s.startAll(ctx) }()
	select {
	case err := <-ready:
		if err != nil {
			progress("%v", err)
			return 1
		}
	case sig := <-signals:
		progress("%v while starting: stopping", sig)
		return 1
	case <-stdinClosed:
		return 1
	}
	st := state{
		Server: s.server(), Kubeconfig: filepath.Join(s.dir, "kubeconfig"), Control: s.control.url,
		Dir: s.dir, Version: kubeVersion(), Pid: os.Getpid(), ReadyAfter: time.Since(started).Round(time.Millisecond).String(),
		AuditLog: auditLogPath(s.logDir),
	}
	data, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(s.dir, "cluster.json"), data, 0o600); err != nil {
		progress("writing cluster.json: %v", err)
		return 1
	}
	progress("ready after %s: kube-apiserver %s at %s", st.ReadyAfter, st.Version, st.Server)
	progress("talk to it with: export KUBECONFIG=%s", st.Kubeconfig)
	fmt.Println(string(data))

	for {
		select {
		case sig := <-signals:
			progress("%v: shutting down", sig)
			go func() { <-signals; progress("second signal: exiting now"); os.Exit(1) }()
			return 0
		case <-stdinClosed:
			progress("stdin closed: shutting down")
			return 0
		case err := <-s.crashed:
			progress("%v", err)
			return 1
		}
	}
}
