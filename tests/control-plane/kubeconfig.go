package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// runKubeconfig mints a kubeconfig for a ServiceAccount: it creates the
// account if needed, asks the TokenRequest API for a token and writes a
// kubeconfig that logs in with it. The account gets no RBAC of its own.
func runKubeconfig(args []string) int {
	fs := flag.NewFlagSet("kubeconfig", flag.ContinueOnError)
	dir := fs.String("dir", "", "data dir of a running control plane (holds cluster.json)")
	sa := fs.String("service-account", "", "NAMESPACE/NAME of the ServiceAccount")
	out := fs.String("out", "", "where to write the kubeconfig")
	ttl := fs.Duration("duration", 24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ns, name, ok := strings.Cut(*sa, "/")
	if *dir == "" || *out == "" || !ok || ns == "" || name == "" {
		fmt.Fprintln(os.Stderr, "control-plane kubeconfig: need --dir DIR --service-account NAMESPACE/NAME --out FILE")
		return 2
	}
	if err := mintKubeconfig(*dir, ns, name, *out, *ttl); err != nil {
		fmt.Fprintf(os.Stderr, "control-plane kubeconfig: %v\n", err)
		return 1
	}
	return 0
}

func mintKubeconfig(dir, ns, name, out string, ttl time.Duration) error {
	data, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
	if err != nil {
		return fmt.Errorf("no running control plane in %s (%v): start one with `control-plane up --dir %s`", dir, err, dir)
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("reading %s/cluster.json: %w", dir, err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", st.Kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = client.CoreV1().ServiceAccounts(ns).Create(ctx,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating ServiceAccount %s/%s: %w", ns, name, err)
	}
	seconds := int64(ttl.Seconds())
	tr, err := client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("requesting a token for %s/%s: %w", ns, name, err)
	}
	return writeKubeconfig(out, st.Server, cfg.TLSClientConfig.CAData, "system:serviceaccount:"+ns+":"+name, tr.Status.Token, ns)
}
