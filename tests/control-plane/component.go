package main

import (
	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/version"
)

// runComponent runs one upstream Kubernetes command (kube-apiserver, ...)
// with the arguments the supervisor chose, as its own `main` would.
func runComponent(cmd *cobra.Command, args []string) int {
	cmd.SetArgs(args)
	return cli.Run(cmd)
}

// kubeVersion is the version stamped in with -ldflags at build time.
func kubeVersion() string {
	return version.Get().GitVersion
}
