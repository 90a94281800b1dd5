// Command informer-sync is client-go's side of benchmark B1: one cold informer
// sync of every ConfigMap or Foo in a namespace, then one JSON line on stdout.
//
// ConfigMaps use the typed SharedInformerFactory; Foos use a dynamic informer
// (unstructured objects), which is what a Go program without generated code
// for the CRD does. Both run with client-go's defaults: JSON, no transform
// (managedFields are kept), and the reflector's first LIST with
// resourceVersion=0, which the apiserver serves from its watch cache.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

var foos = schema.GroupVersionResource{Group: "samplecontroller.k8s.io", Version: "v1alpha1", Resource: "foos"}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "admin kubeconfig of the cluster")
	kind := flag.String("kind", "configmaps", "configmaps or foos")
	namespace := flag.String("namespace", "default", "namespace to list and watch")
	flag.Parse()
	if err := run(*kubeconfig, *kind, *namespace); err != nil {
		fmt.Fprintln(os.Stderr, "informer-sync:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, kind, namespace string) error {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	defer close(stop)

	var informer cache.SharedIndexInformer
	var start func()
	switch kind {
	case "configmaps":
		client, err := kubernetes.NewForConfig(config)
		if err != nil {
			return err
		}
		factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(namespace))
		informer = factory.Core().V1().ConfigMaps().Informer()
		start = func() { factory.Start(stop) }
	case "foos":
		client, err := dynamic.NewForConfig(config)
		if err != nil {
			return err
		}
		factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(client, 0, namespace, nil)
		informer = factory.ForResource(foos).Informer()
		start = func() { factory.Start(stop) }
	default:
		return fmt.Errorf("unknown --kind %q", kind)
	}

	heapBefore := heapInuse()
	rssBefore, err := status("VmRSS")
	if err != nil {
		return err
	}
	started := time.Now()
	start()
	// Polled every millisecond: cache.WaitForCacheSync polls every 100 ms,
	// which would round every figure up to the next tenth of a second.
	for !informer.HasSynced() {
		if time.Since(started) > 5*time.Minute {
			return fmt.Errorf("not synced after 5 minutes")
		}
		time.Sleep(time.Millisecond)
	}
	synced := time.Since(started)
	rssAfter, err := status("VmRSS")
	if err != nil {
		return err
	}
	peak, err := status("VmHWM")
	if err != nil {
		return err
	}
	heapAfter := heapInuse()
	objects := len(informer.GetStore().ListKeys())
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"impl":              "client-go",
		"objects":           objects,
		"synced_seconds":    synced.Seconds(),
		"rss_before_bytes":  rssBefore,
		"rss_after_bytes":   rssAfter,
		"peak_rss_bytes":    peak,
		"heap_before_bytes": heapBefore,
		"heap_after_bytes":  heapAfter,
	})
}

// heapInuse is the Go heap in use after a full collection: live objects only.
func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// status reads a kB field of /proc/self/status (VmRSS, VmHWM) in bytes.
func status(field string) (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), field+":"); ok {
			kib, err := strconv.ParseUint(strings.Fields(rest)[0], 10, 64)
			return kib * 1024, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}
