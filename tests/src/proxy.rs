//! A TCP proxy in front of the apiserver that a test can cut or freeze.
//!
//! Cut: every open connection is closed and new ones are refused until it
//! heals. Clients through it see the apiserver vanish while everything else
//! still reaches it, which is how a test takes one controller's watches down.
//!
//! Freeze: the connections open at that moment stop forwarding bytes (both
//! ways, or only from the server to the client) and are never closed, as a
//! connection through a peer that died without a FIN or RST (node loss, NAT
//! or load-balancer state dropped). New connections work, as a reconnect
//! through a healthy path would.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::TestCluster;

/// A cuttable, freezable proxy to one cluster's apiserver, on a loopback port.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<Link>>>,
}

/// One proxied connection: both sockets, and whether each direction is frozen.
#[derive(Debug)]
struct Link {
    client: TcpStream,
    server: TcpStream,
    up: Arc<AtomicBool>,
    down: Arc<AtomicBool>,
}

impl Proxy {
    /// Starts a proxy to `cluster`'s apiserver.
    pub fn start(cluster: &TestCluster) -> anyhow::Result<Proxy> {
        let upstream = cluster.control_plane().state().server_addr()?;
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
                let (up, down) = (Arc::<AtomicBool>::default(), Arc::<AtomicBool>::default());
                open.push(Link {
                    client: c,
                    server: s,
                    up: up.clone(),
                    down: down.clone(),
                });
                drop(open);
                pipe(client, server, up);
                pipe(s2, c2, down);
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

    /// The admin config for `cluster`, with the proxy as its server.
    pub async fn config(&self, cluster: &TestCluster) -> anyhow::Result<kube::Config> {
        let kubeconfig = Kubeconfig::read_from(cluster.kubeconfig())?;
        let mut config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
        config.cluster_url = self.url().parse()?;
        Ok(config)
    }

    /// An admin client for `cluster` that connects through the proxy.
    pub async fn client(&self, cluster: &TestCluster) -> anyhow::Result<kube::Client> {
        Ok(kube::Client::try_from(self.config(cluster).await?)?)
    }

    /// Closes every open connection (frozen ones too) and refuses new ones.
    pub fn cut(&self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        self.cut.store(true, Ordering::SeqCst);
        for link in open.drain(..) {
            let _ = link.client.shutdown(Shutdown::Both);
            let _ = link.server.shutdown(Shutdown::Both);
        }
    }

    /// Accepts connections again.
    pub fn heal(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }

    /// Stops forwarding both ways on every open connection, for good, without
    /// closing either side. Bytes already read are held, later ones are not
    /// read, so the senders' buffers fill as over a dead path. Connections
    /// made afterwards work.
    pub fn freeze(&self) {
        self.freeze_links(true)
    }

    /// As [`freeze`](Self::freeze), but only from the server to the client:
    /// requests still reach the apiserver, its responses and watch events do
    /// not.
    pub fn freeze_responses(&self) {
        self.freeze_links(false)
    }

    fn freeze_links(&self, requests_too: bool) {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        for link in open.iter() {
            link.down.store(true, Ordering::SeqCst);
            if requests_too {
                link.up.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// Copies `from` to `to` until either ends, holding everything (the end too)
/// while `frozen` is set.
fn pipe(mut from: TcpStream, mut to: TcpStream, frozen: Arc<AtomicBool>) {
    let hold = move || {
        while frozen.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(50));
        }
    };
    thread::spawn(move || {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let n = match from.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            hold();
            if to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        hold();
        let _ = to.shutdown(Shutdown::Write);
    });
}
