package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

// etcdServer is an embedded single-member etcd on a free loopback port.
type etcdServer struct {
	e      *embed.Etcd
	URL    string
	client *clientv3.Client
}

func startEtcd(dataDir string) (*etcdServer, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "local"
	cfg.Dir = dataDir
	cfg.UnsafeNoFsync = true // a throw-away test cluster: speed over durability
	cfg.LogLevel = "error"
	cfg.Logger = "zap"
	clientURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", clientPort))
	peerURL, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", peerPort))
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting etcd in %s: %w", dataDir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, fmt.Errorf("etcd was not ready within 30s")
	}
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{clientURL.String()}, DialTimeout: 5 * time.Second})
	if err != nil {
		e.Close()
		return nil, err
	}
	return &etcdServer{e: e, URL: clientURL.String(), client: client}, nil
}

// compact compacts etcd's history up to its current revision, so that a
// watch from any earlier resourceVersion gets 410 Gone.
func (s *etcdServer) compact(ctx context.Context) (int64, error) {
	resp, err := s.client.Get(ctx, "/compact-probe")
	if err != nil {
		return 0, err
	}
	rev := resp.Header.Revision
	if _, err := s.client.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		return 0, err
	}
	return rev, nil
}

func (s *etcdServer) close() {
	s.client.Close()
	s.e.Close()
}
