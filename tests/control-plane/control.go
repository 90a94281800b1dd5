package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"time"
)

// controlServer is a small HTTP API on loopback through which tests disturb
// the running control plane: restart the apiserver, compact etcd.
//
//	POST /apiserver/stop     stop kube-apiserver (etcd keeps its data)
//	POST /apiserver/start    start it again on the same port, wait for /readyz
//	POST /apiserver/restart  both
//	POST /etcd/compact       compact etcd to its current revision -> {"revision": N}
type controlServer struct {
	url string
	srv *http.Server
}

func startControlServer(s *supervisor) (*controlServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /apiserver/stop", func(w http.ResponseWriter, r *http.Request) {
		s.stopAPIServer()
		reply(w, nil, map[string]string{"apiserver": "stopped"})
	})
	mux.HandleFunc("POST /apiserver/start", func(w http.ResponseWriter, r *http.Request) {
		reply(w, s.startStoppedAPIServer(r.Context()), map[string]string{"apiserver": "ready"})
	})
	mux.HandleFunc("POST /apiserver/restart", func(w http.ResponseWriter, r *http.Request) {
		s.stopAPIServer()
		reply(w, s.startStoppedAPIServer(r.Context()), map[string]string{"apiserver": "ready"})
	})
	mux.HandleFunc("POST /etcd/compact", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		rev, err := s.etcd.compact(ctx)
		reply(w, err, map[string]int64{"revision": rev})
	})
	c := &controlServer{url: "http://" + l.Addr().String(), srv: &http.Server{Handler: mux}}
	go func() { _ = c.srv.Serve(l) }()
	return c, nil
}

func reply(w http.ResponseWriter, err error, ok any) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(ok)
}

func (c *controlServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.srv.Shutdown(ctx); err != nil {
		progress("stopping the control API: %v", err)
	}
}
