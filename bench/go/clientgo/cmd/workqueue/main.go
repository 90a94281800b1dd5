// Command workqueue is client-go's side of benchmark B4: the same scenarios
// as bench/src/bin/workqueue.rs on a typed rate-limiting queue, then one JSON
// line of operations per second on stdout.
//
// Scenarios (N keys, "ns/obj-<i>"):
//   - add/get/done with 1, 2 and 8 workers: 2N adds of N distinct keys (key
//     (j*7919) mod N for j < 2N, so every key is added twice, N adds apart),
//     made while the workers run; then ShutDown, and the workers drain it.
//   - add_after: N distinct keys, key i delayed (i mod 1000) µs, 2 workers.
//   - rate-limited requeue: N distinct keys, 2 workers; each key is requeued
//     with AddRateLimited 3 times (per-item exponential, 1 µs to 1 ms), then
//     forgotten.
//
// An operation is one call of Add, AddAfter, AddRateLimited, Get, Done or
// Forget; ops/s is every operation made divided by the wall time from the
// first add until the workers are done. Each scenario runs 5 times per
// process after a warm-up at N/10; the median is printed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/util/workqueue"
)

type queue = workqueue.TypedRateLimitingInterface[string]

func newQueue() queue {
	return newQueueWith(time.Microsecond, time.Millisecond)
}

// newQueueWith is newQueue with the per-item backoff's base and cap.
func newQueueWith(base, max time.Duration) queue {
	limiter := workqueue.NewTypedItemExponentialFailureRateLimiter[string](base, max)
	return workqueue.NewTypedRateLimitingQueueWithConfig(limiter, workqueue.TypedRateLimitingQueueConfig[string]{Name: "bench"})
}

func keys(n int) []string {
	k := make([]string, n)
	for i := range k {
		k[i] = fmt.Sprintf("ns/obj-%d", i)
	}
	return k
}

// addGetDone: one producer adding 2n keys while `workers` workers get/done.
func addGetDone(n, workers int) float64 {
	q, k := newQueue(), keys(n)
	var ops atomic.Int64
	var wg sync.WaitGroup
	started := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := int64(0)
			for {
				key, shutdown := q.Get()
				local++
				if shutdown {
					break
				}
				q.Done(key)
				local++
			}
			ops.Add(local)
		}()
	}
	for j := range 2 * n {
		q.Add(k[(j*7919)%n])
	}
	q.ShutDown()
	wg.Wait()
	return float64(ops.Load()+int64(2*n)+1) / time.Since(started).Seconds()
}

func addAfter(n int) float64 {
	q, k := newQueue(), keys(n)
	var ops atomic.Int64
	var processed atomic.Int64
	var wg sync.WaitGroup
	started := time.Now()
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				key, shutdown := q.Get()
				ops.Add(1)
				if shutdown {
					return
				}
				q.Done(key)
				ops.Add(1)
				if processed.Add(1) == int64(n) {
					q.ShutDown()
				}
			}
		}()
	}
	for i, key := range k {
		q.AddAfter(key, time.Duration(i%1000)*time.Microsecond)
	}
	wg.Wait()
	return float64(ops.Load()+int64(n)) / time.Since(started).Seconds()
}

func rateLimited(n int, q queue) float64 {
	const requeues = 3
	k := keys(n)
	var ops atomic.Int64
	var processed atomic.Int64
	var wg sync.WaitGroup
	total := int64(n * (requeues + 1))
	started := time.Now()
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				key, shutdown := q.Get()
				ops.Add(1)
				if shutdown {
					return
				}
				if q.NumRequeues(key) < requeues {
					q.AddRateLimited(key)
				} else {
					q.Forget(key)
				}
				q.Done(key)
				ops.Add(2)
				if processed.Add(1) == total {
					q.ShutDown()
				}
			}
		}()
	}
	for _, key := range k {
		q.Add(key)
	}
	wg.Wait()
	return float64(ops.Load()+int64(n)) / time.Since(started).Seconds()
}

// repeats is how often each scenario runs per process; the median is kept,
// because one run of 10,000 keys takes only milliseconds.
const repeats = 5

func median(run func() float64) float64 {
	v := make([]float64, repeats)
	for i := range v {
		v[i] = run()
	}
	slices.Sort(v)
	return v[repeats/2]
}

func suite(n int) map[string]float64 {
	return map[string]float64{
		"add_get_done_1": median(func() float64 { return addGetDone(n, 1) }),
		"add_get_done_2": median(func() float64 { return addGetDone(n, 2) }),
		"add_get_done_8": median(func() float64 { return addGetDone(n, 8) }),
		"add_after":      median(func() float64 { return addAfter(n) }),
		"rate_limited":   median(func() float64 { return rateLimited(n, newQueue()) }),
		// client-go's default per-item backoff (DefaultTypedControllerRateLimiter's, without
		// its 10 qps bucket, which would make this run take an hour)
		"rate_limited_5ms": median(func() float64 {
			return rateLimited(n, newQueueWith(5*time.Millisecond, 1000*time.Second))
		}),
	}
}

func main() {
	n := flag.Int("keys", 10000, "distinct keys per scenario")
	flag.Parse()
	suite(max(*n/10, 1)) // warm-up: the allocator, the scheduler, the timers
	result := map[string]any{"impl": "client-go", "keys": *n}
	for name, opsPerSecond := range suite(*n) {
		result[name] = opsPerSecond
	}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		fmt.Fprintln(os.Stderr, "workqueue:", err)
		os.Exit(1)
	}
}
