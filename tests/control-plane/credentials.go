package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	clientcmd "k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// identity is one static-token user of the control plane.
type identity struct {
	file   string // kubeconfig file name under the data dir
	user   string
	uid    string
	groups []string
	token  string
}

// identities returns the users the control plane's own components log in
// as, each with a fresh random token. Their names are the ones Kubernetes'
// bootstrap RBAC policy and Node authorizer already know.
func identities() ([]*identity, error) {
	ids := []*identity{
		{file: "kubeconfig", user: "admin", uid: "admin", groups: []string{"system:masters"}},
		{file: "kube-controller-manager.kubeconfig", user: "system:kube-controller-manager", uid: "kcm"},
		{file: "kube-scheduler.kubeconfig", user: "system:kube-scheduler", uid: "scheduler"},
		{file: "node.kubeconfig", user: "system:node:" + nodeName, uid: nodeName, groups: []string{"system:nodes"}},
	}
	for _, id := range ids {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		id.token = hex.EncodeToString(b)
	}
	return ids, nil
}

// writeTokenFile writes the apiserver's --token-auth-file.
func writeTokenFile(path string, ids []*identity) error {
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%s,%s,%s", id.token, id.user, id.uid)
		if len(id.groups) > 0 {
			fmt.Fprintf(&b, ",\"%s\"", strings.Join(id.groups, ","))
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// writeKubeconfig writes a kubeconfig that logs in to server with a bearer
// token and verifies the server against the local CA.
func writeKubeconfig(path, server string, caData []byte, user, token, namespace string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caData}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: user, Namespace: namespace}
	cfg.CurrentContext = "local"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return clientcmd.WriteToFile(*cfg, path)
}
