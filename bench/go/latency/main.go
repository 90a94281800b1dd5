// Command latency is the client-go side of benchmark B2 (event latency): a
// shared informer on the ConfigMaps of one namespace whose update handler
// records, for every ConfigMap the writer stamped, the time from the stamp
// (data "t", Unix nanoseconds, written just before the update was sent) to
// the moment the handler runs. `cargo xtask bench` starts it next to the
// kube-gen side, so both see the same writes.
//
// Protocol (the same as bench/src/bin/latency.rs): prints `synced` once the
// cache has synced; ends when it sees the ConfigMap `done`, then prints one
// JSON object {"steady": {...}, "burst": {...}} with p50/p99 in seconds.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

// phase holds the latencies, in seconds, of one phase of the writer.
type phase struct {
	lat []float64
}

func (p *phase) summary() map[string]any {
	sort.Float64s(p.lat)
	q := func(f float64) float64 {
		if len(p.lat) == 0 {
			return 0
		}
		i := int(f*float64(len(p.lat))+0.5) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(p.lat) {
			i = len(p.lat) - 1
		}
		return p.lat[i]
	}
	return map[string]any{"count": len(p.lat), "p50": q(0.50), "p99": q(0.99)}
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to a kubeconfig")
	namespace := flag.String("namespace", "", "namespace whose ConfigMaps to watch")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail(err)
	}
	// The informer only lists and watches: client-side rate limits never apply.
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fail(err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(*namespace))
	informer := factory.Core().V1().ConfigMaps().Informer()

	var mu sync.Mutex
	phases := map[string]*phase{"steady": {}, "burst": {}}
	done := make(chan struct{})
	var once sync.Once
	record := func(obj any) {
		now := time.Now().UnixNano()
		cm, ok := obj.(*corev1.ConfigMap)
		if !ok {
			return
		}
		if cm.Name == "done" {
			once.Do(func() { close(done) })
			return
		}
		p, ok := phases[cm.Data["phase"]]
		if !ok {
			return
		}
		stamp, err := strconv.ParseInt(cm.Data["t"], 10, 64)
		if err != nil {
			return
		}
		mu.Lock()
		p.lat = append(p.lat, float64(now-stamp)/1e9)
		mu.Unlock()
	}
	_, err = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    record,
		UpdateFunc: func(_, obj any) { record(obj) },
	})
	if err != nil {
		fail(err)
	}
	stop := make(chan struct{})
	factory.Start(stop)
	if !cache.WaitForCacheSync(stop, informer.HasSynced) {
		fail(fmt.Errorf("cache did not sync"))
	}
	fmt.Println("synced")
	<-done
	close(stop)
	mu.Lock()
	defer mu.Unlock()
	out, _ := json.Marshal(map[string]any{
		"steady": phases["steady"].summary(),
		"burst":  phases["burst"].summary(),
	})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "latency:", err)
	os.Exit(1)
}
