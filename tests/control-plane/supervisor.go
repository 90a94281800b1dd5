package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// supervisor owns the control plane's processes and their data dir.
type supervisor struct {
	opts    upOptions
	dir     string
	tempDir bool
	logDir  string
	pki     *pki
	ids     []*identity
	etcd    *etcdServer
	port    int
	control *controlServer
	cancel  context.CancelFunc

	mu        sync.Mutex // guards apiserver, which a restart replaces
	apiserver *component
	others    []*component
	crashed   chan error
}

func newSupervisor(o upOptions) (*supervisor, error) {
	dir, temp, err := prepareDir(o)
	if err != nil {
		return nil, err
	}
	s := &supervisor{opts: o, dir: dir, tempDir: temp, logDir: filepath.Join(dir, "logs"), crashed: make(chan error, 4)}
	if err := os.MkdirAll(s.logDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "supervisor.pid"), []byte(fmt.Sprint(os.Getpid())), 0o600); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *supervisor) server() string { return fmt.Sprintf("https://127.0.0.1:%d", s.port) }

func (s *supervisor) kubeconfig(file string) string { return filepath.Join(s.dir, file) }

// startAll brings the control plane up in dependency order and returns once
// the apiserver is ready, the node is registered and the controller manager
// has created the default ServiceAccount.
func (s *supervisor) startAll(ctx context.Context) error {
	var err error
	progress("data dir %s (component logs in %s)", s.dir, s.logDir)
	if s.pki, err = writePKI(filepath.Join(s.dir, "pki")); err != nil {
		return fmt.Errorf("writing certificates: %w", err)
	}
	if s.ids, err = identities(); err != nil {
		return err
	}
	if err := writeTokenFile(filepath.Join(s.dir, "tokens.csv"), s.ids); err != nil {
		return err
	}
	if err := writeAuditPolicy(s.dir); err != nil {
		return err
	}
	progress("starting etcd")
	if s.etcd, err = startEtcd(filepath.Join(s.dir, "etcd")); err != nil {
		return err
	}
	if err := s.startAPIServer(ctx); err != nil {
		return err
	}
	for _, id := range s.ids {
		if err := writeKubeconfig(s.kubeconfig(id.file), s.server(), s.pki.CAData, id.user, id.token, ""); err != nil {
			return err
		}
	}
	if s.control, err = startControlServer(s); err != nil {
		return err
	}
	progress("starting kube-controller-manager, kube-scheduler and the fake node")
	for _, c := range []*component{
		newComponent(s.logDir, "kube-controller-manager", s.controllerManagerArgs()),
		newComponent(s.logDir, "kube-scheduler", s.schedulerArgs()),
	} {
		if err := c.start(); err != nil {
			return err
		}
		s.others = append(s.others, c)
		go s.watch(c)
	}
	kctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	if err := runFakeKubelet(kctx, s.kubeconfig("node.kubeconfig")); err != nil {
		return fmt.Errorf("fake node: %w", err)
	}
	return s.waitForDefaultServiceAccount(ctx)
}

func (s *supervisor) apiserverArgs() []string {
	return append([]string{
		"--etcd-servers=" + s.etcd.URL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", s.port),
		"--tls-cert-file=" + s.pki.ServingCert,
		"--tls-private-key-file=" + s.pki.ServingKey,
		"--token-auth-file=" + filepath.Join(s.dir, "tokens.csv"),
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--service-cluster-ip-range=10.0.0.0/24",
		fmt.Sprintf("--service-account-issuer=https://127.0.0.1:%d", s.port),
		"--service-account-key-file=" + s.pki.SAKey,
		"--service-account-signing-key-file=" + s.pki.SAKey,
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
		"--v=1",
	}, auditArgs(s.dir, s.logDir)...)
}

func (s *supervisor) controllerManagerArgs() []string {
	return append(clientComponentArgs(s.kubeconfig("kube-controller-manager.kubeconfig")),
		"--use-service-account-credentials=true",
		"--controllers=deployment-controller,replicaset-controller,garbage-collector-controller,"+
			"namespace-controller,serviceaccount-controller,serviceaccount-token-controller,node-lifecycle-controller",
		"--service-account-private-key-file="+s.pki.SAKey,
		"--root-ca-file="+s.pki.CACert,
		"--kube-api-qps=200",
		"--kube-api-burst=400",
	)
}

func (s *supervisor) schedulerArgs() []string {
	return clientComponentArgs(s.kubeconfig("kube-scheduler.kubeconfig"))
}

// clientComponentArgs are the flags kube-controller-manager and
// kube-scheduler share: log in with one kubeconfig, run alone (no leader
// election), serve nothing.
func clientComponentArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--profiling=false",
		"--v=1",
	}
}

// startAPIServer starts kube-apiserver and waits for /readyz. On the first
// start with no --port it picks a free port, and tries another one if a
// different process took it in between.
func (s *supervisor) startAPIServer(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		if s.opts.port != 0 {
			s.port = s.opts.port
			if !portFree(s.port) {
				return fmt.Errorf("port %d on 127.0.0.1 is already taken: stop what uses it or pass another --port (or none, for a free one)", s.port)
			}
		} else {
			p, err := freePort()
			if err != nil {
				return err
			}
			s.port = p
		}
		progress("starting kube-apiserver on 127.0.0.1:%d", s.port)
		c := newComponent(s.logDir, "kube-apiserver", s.apiserverArgs())
		if err := c.start(); err != nil {
			return err
		}
		err := s.waitReady(ctx, c)
		if err == nil {
			s.mu.Lock()
			s.apiserver = c
			s.mu.Unlock()
			go s.watch(c)
			return nil
		}
		c.stop(5 * time.Second)
		tail := c.logTail(15)
		if strings.Contains(tail, "address already in use") && s.opts.port == 0 && attempt < 3 {
			progress("port %d was taken meanwhile; trying another", s.port)
			continue
		}
		return fmt.Errorf("kube-apiserver did not become ready: %v\n--- last lines of %s ---\n%s", err, c.logPath, tail)
	}
}

// waitReady polls /readyz with the admin token until it answers 200.
func (s *supervisor) waitReady(ctx context.Context, c *component) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.pki.CAData)
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(s.opts.timeout)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			return fmt.Errorf("it exited (%v)", c.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", s.server()+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+s.ids[0].token)
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
	return fmt.Errorf("no 200 from /readyz within %s (raise --timeout on a slow machine)", s.opts.timeout)
}

func (s *supervisor) waitForDefaultServiceAccount(ctx context.Context) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig("kubeconfig"))
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	progress("waiting for kube-controller-manager (the default ServiceAccount)")
	deadline := time.Now().Add(s.opts.timeout)
	for time.Now().Before(deadline) {
		if _, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err == nil {
			return nil
		}
		select {
		case err := <-s.crashed:
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("kube-controller-manager did not create the default ServiceAccount within %s; see %s",
		s.opts.timeout, filepath.Join(s.logDir, "kube-controller-manager.log"))
}

// watch reports a component that exits on its own (not stopped by us).
func (s *supervisor) watch(c *component) {
	<-c.done
	if !c.stopped.Load() {
		s.crashed <- fmt.Errorf("%s exited unexpectedly (%v)\n--- last lines of %s ---\n%s", c.name, c.err, c.logPath, c.logTail(20))
	}
}

// stopAPIServer stops kube-apiserver; etcd and its data stay.
func (s *supervisor) stopAPIServer() {
	s.mu.Lock()
	c := s.apiserver
	s.apiserver = nil
	s.mu.Unlock()
	if c != nil {
		// Graceful termination waits for open watches; tests do not need
		// more than a few seconds of it.
		c.stop(5 * time.Second)
	}
}

// startStoppedAPIServer starts kube-apiserver again on the same port.
func (s *supervisor) startStoppedAPIServer(ctx context.Context) error {
	c := newComponent(s.logDir, "kube-apiserver", s.apiserverArgs())
	if err := c.start(); err != nil {
		return err
	}
	if err := s.waitReady(ctx, c); err != nil {
		c.stop(5 * time.Second)
		return fmt.Errorf("kube-apiserver did not become ready again: %v\n%s", err, c.logTail(15))
	}
	s.mu.Lock()
	s.apiserver = c
	s.mu.Unlock()
	go s.watch(c)
	return nil
}

// cleanup stops every process in reverse order and removes a temp dir.
func (s *supervisor) cleanup() {
	if s.cancel != nil {
		s.cancel()
	}
	if s.control != nil {
		s.control.close()
	}
	s.mu.Lock()
	others, api := s.others, s.apiserver
	s.mu.Unlock()
	for i := len(others) - 1; i >= 0; i-- {
		others[i].stop(10 * time.Second)
	}
	if api != nil {
		api.stop(5 * time.Second)
	}
	if s.etcd != nil {
		s.etcd.close()
	}
	_ = os.Remove(filepath.Join(s.dir, "supervisor.pid"))
	if s.tempDir {
		_ = os.RemoveAll(s.dir)
	}
}
