// Command control-plane runs a real, single-node Kubernetes control plane on
// loopback for kube-gen's end-to-end tests and demo.
//
// It is one multi-call binary. `up` is the supervisor: it embeds etcd, runs
// the fake kubelet in-process and re-executes itself once per Kubernetes
// component, so that each component keeps its own global flag, feature-gate
// and metrics registries, exactly as the upstream binaries do.
//
//	control-plane up --dir DIR            start everything, write DIR/kubeconfig
//	control-plane kubeconfig --dir DIR --service-account NS/NAME --out FILE
//	control-plane kube-apiserver ARGS...  (used by `up`)
//	control-plane kube-controller-manager ARGS...
//	control-plane kube-scheduler ARGS...
package main

import (
	"fmt"
	"os"

	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

const usage = `usage: control-plane COMMAND [ARGS]

commands:
  up          start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a fake node
  kubeconfig  write a kubeconfig for a ServiceAccount of a running control plane
  version     print the Kubernetes version this binary was built from
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "up":
		os.Exit(runUp(args))
	case "kubeconfig":
		os.Exit(runKubeconfig(args))
	case "version":
		fmt.Println(kubeVersion())
	case "kube-apiserver":
		os.Exit(runComponent(apiserver.NewAPIServerCommand(), args))
	case "kube-controller-manager":
		os.Exit(runComponent(controllermanager.NewControllerManagerCommand(), args))
	case "kube-scheduler":
		os.Exit(runComponent(scheduler.NewSchedulerCommand(), args))
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "control-plane: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
}
