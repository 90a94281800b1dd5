//! A TCP proxy in front of the apiserver that a test can cut: every open
//! connection is closed and new ones are refused until it heals. Clients
//! through it see the apiserver vanish while everything else still reaches
//! it, which is how a test takes one controller's watches down.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::TestCluster;

/// A cuttable proxy to one cluster's apiserver, on a loopback port.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Starts a proxy to `cluster`'s apiserver.
    pub fn start(cluster: &TestCluster) -> anyhow::Result<Proxy> {
        let upstream: SocketAddr = cluster
            .control_plane()
            .state()
            .server
            .trim_start_matches("https://")
            .parse()?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let proxy = Proxy {
            addr: listener.local_addr()?,
            cut: Arc::default(),
            open: Arc::default(),
        };
        let (cut, open) = (proxy.cut.clone(), proxy.open.clone());
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                // Checked and registered under the lock `cut` takes, so a connection
                // accepted while the proxy is being cut is either refused or closed by
                // the cut, never left open through it.
                let mut open = open.lock().unwrap_or_else(|e| e.into_inner());
                if cut.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (Ok(c), Ok(s), Ok(c2), Ok(s2)) = (
                    client.try_clone(),
                    server.try_clone(),
                    client.try_clone(),
                    server.try_clone(),
                ) else {
                    continue;
                };
                open.extend([c, s]);
                drop(open);
                pipe(client, server);
                pipe(s2, c2);
            }
        });
        Ok(proxy)
    }

    /// `https://127.0.0.1:PORT`: the apiserver's certificate is valid for
    /// 127.0.0.1, so TLS through the proxy is unchanged (`--master` of a
    /// controller, or a kubeconfig's server).
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// An admin client for `cluster` that connects through the proxy.
    pub async fn client(&self, cluster: &TestCluster) -> anyhow::Result<kube::Client> {
        let kubeconfig = Kubeconfig::read_from(cluster.kubeconfig())?;
        let mut config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
        config.cluster_url = self.url().parse()?;
        Ok(kube::Client::try_from(config)?)
    }

    /// Closes every open connection and refuses new ones.
    pub fn cut(&self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        self.cut.store(true, Ordering::SeqCst);
        for stream in open.drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Accepts connections again.
    pub fn heal(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    thread::spawn(move || {
        let _ = io::copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Write);
    });
}
