//! A TCP proxy in front of the apiserver that can hold a client's requests:
//! while held, the bytes the client sends are kept in the proxy instead of
//! forwarded, and the apiserver's answers (watch events included) still reach
//! the client. To the client its requests look sent and never answered, as
//! on a link that lost its way back; a Lease renewal through it cannot
//! succeed.
//!
//! On [`resume`](StallProxy::resume), what each connection held is forwarded
//! in order, except on a connection the client closed while held: there the
//! held bytes are dropped and the apiserver's side is closed. That is the one
//! choice a loopback proxy has to make, and it is made to test a fence:
//!
//! - A client that gives up a request (drops it, and closes its connection)
//!   while it is held never has it delivered. On a real network that is not
//!   certain: TCP may still deliver bytes sent before a close once the link
//!   heals. A fence cannot prevent that; it can only stop *sending* and stop
//!   *waiting*, and [`Held`] records when the client last sent and when it
//!   closed, so a test checks those times directly.
//! - A request the client still waits for, or sends after the hold began on a
//!   connection it keeps open, is delivered on resume, late: exactly the
//!   write a replica that lost its Lease must not make.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::SystemTime;

use crate::TestCluster;

/// A proxy to one cluster's apiserver, on a loopback port, that can hold the
/// requests sent through it.
#[derive(Debug)]
pub struct StallProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

/// What one connection held from the client: how much, until when, and
/// whether the client closed it before the proxy resumed.
#[derive(Debug, Clone)]
pub struct Held {
    /// Bytes the client sent while held.
    pub bytes: usize,
    /// When the first of them arrived.
    pub first_byte_at: SystemTime,
    /// When the last of them arrived.
    pub last_byte_at: SystemTime,
    /// When the client closed the connection, if it did while held: its held
    /// bytes were then dropped, not forwarded.
    pub closed_at: Option<SystemTime>,
}

#[derive(Debug, Default)]
struct Shared {
    /// Whether client bytes are held. Read and written under a connection's
    /// lock when it matters, so a connection never forwards out of order.
    held: AtomicBool,
    connections: Mutex<Vec<Arc<Mutex<Connection>>>>,
}

#[derive(Debug)]
struct Connection {
    /// Our writing side towards the apiserver.
    upstream: TcpStream,
    /// Client bytes not yet forwarded.
    pending: Vec<u8>,
    /// What the client sent since the hold began, if anything.
    held: Option<Held>,
    /// The client closed its side (end of file or an error).
    client_closed: bool,
}

impl StallProxy {
    /// Starts a proxy to `cluster`'s apiserver, forwarding everything.
    pub fn start(cluster: &TestCluster) -> anyhow::Result<StallProxy> {
        let upstream = cluster.control_plane().state().server_addr()?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let proxy = StallProxy {
            addr: listener.local_addr()?,
            shared: Arc::default(),
        };
        let shared = proxy.shared.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (Ok(upstream_writer), Ok(client_writer)) =
                    (server.try_clone(), client.try_clone())
                else {
                    continue;
                };
                let connection = Arc::new(Mutex::new(Connection {
                    upstream: upstream_writer,
                    pending: Vec::new(),
                    held: None,
                    client_closed: false,
                }));
                lock(&shared.connections).push(connection.clone());
                let shared = shared.clone();
                thread::spawn(move || requests(client, &connection, &shared));
                thread::spawn(move || answers(server, client_writer));
            }
        });
        Ok(proxy)
    }

    /// `https://127.0.0.1:PORT`: the apiserver's certificate is valid for
    /// 127.0.0.1, so TLS through the proxy is unchanged (`--master`).
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// From now on, keeps what clients send instead of forwarding it.
    pub fn hold(&self) {
        self.shared.held.store(true, Ordering::SeqCst);
    }

    /// Forwards again: what each open connection held goes to the apiserver
    /// first, in order; a connection the client closed while held is closed
    /// towards the apiserver with its held bytes dropped. Returns what every
    /// connection that held bytes held.
    pub fn resume(&self) -> Vec<Held> {
        self.shared.held.store(false, Ordering::SeqCst);
        let connections = std::mem::take(&mut *lock(&self.shared.connections));
        let mut report = Vec::new();
        let mut open = Vec::new();
        for shared in connections {
            let connection = &mut *lock(&shared);
            if let Some(held) = connection.held.take() {
                report.push(held);
            }
            if connection.client_closed {
                connection.pending.clear();
                let _ = connection.upstream.shutdown(Shutdown::Both);
            } else {
                let _ = connection.flush();
                open.push(shared.clone());
            }
        }
        lock(&self.shared.connections).extend(open);
        report
    }
}

impl Connection {
    /// Writes what is pending to the apiserver.
    fn flush(&mut self) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        self.upstream.write_all(&pending)
    }
}

/// Client to apiserver: forwards or holds each chunk as the proxy says.
fn requests(mut client: TcpStream, connection: &Mutex<Connection>, shared: &Shared) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = client.read(&mut buf).unwrap_or(0);
        let mut connection = lock(connection);
        if n == 0 {
            connection.client_closed = true;
            if shared.held.load(Ordering::SeqCst) {
                // Dropped with what it held when the proxy resumes.
                if let Some(held) = &mut connection.held {
                    held.closed_at = Some(SystemTime::now());
                }
            } else {
                let _ = connection.flush();
                let _ = connection.upstream.shutdown(Shutdown::Write);
            }
            return;
        }
        connection.pending.extend_from_slice(&buf[..n]);
        if shared.held.load(Ordering::SeqCst) {
            let now = SystemTime::now();
            let held = connection.held.get_or_insert(Held {
                bytes: 0,
                first_byte_at: now,
                last_byte_at: now,
                closed_at: None,
            });
            held.bytes += n;
            held.last_byte_at = now;
        } else if connection.flush().is_err() {
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Apiserver to client: always forwarded.
fn answers(mut server: TcpStream, mut client: TcpStream) {
    let _ = io::copy(&mut server, &mut client);
    let _ = client.shutdown(Shutdown::Write);
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
