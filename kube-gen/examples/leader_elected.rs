//! A leader-elected controller: run several copies and exactly one of them works, the one
//! holding the Lease `leader-elected-example`.
//!
//! Each copy campaigns for the Lease with a `LeaderElector`. The leader runs the "controller"
//! (here a loop that prints a line every second) until Ctrl-C, then stops its work, releases
//! the Lease and exits, and another copy takes over within about two seconds (the retry
//! period) instead of waiting for the Lease to expire. Every copy prints the leader whenever
//! it learns of a new one.
//!
//! Run two copies against the local control plane (or any cluster `$KUBECONFIG` names where
//! you may write Leases), each in its own terminal, then Ctrl-C the leader:
//!
//! ```text
//! # in another terminal, from the workspace root: a local control plane
//! cargo xtask build-control-plane
//! target/control-plane/control-plane up --dir target/example-cluster --clean
//!
//! export KUBECONFIG=$PWD/target/example-cluster/kubeconfig
//! cargo run -p kube-gen --example leader_elected -- default one
//! cargo run -p kube-gen --example leader_elected -- default two      # in a third terminal
//! kubectl get lease leader-elected-example -o yaml                   # who holds it
//! ```
//!
//! The arguments are the Lease's namespace (default `default`) and this copy's identity
//! (default: host name and a random UUID).

use std::time::Duration;

use kube_gen::leaderelection::{LeaderElector, Leading};

const LEASE: &str = "leader-elected-example";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let namespace = args.next().unwrap_or_else(|| "default".into());
    let client = kube::Client::try_default().await?;
    let mut builder = LeaderElector::builder(client, &namespace, LEASE)
        .lease_duration(Duration::from_secs(15))
        .renew_deadline(Duration::from_secs(10))
        .retry_period(Duration::from_secs(2));
    if let Some(identity) = args.next() {
        builder = builder.identity(identity);
    }
    let elector = builder.build()?;
    let me = elector.identity().to_owned();
    println!("{me}: campaigning for lease {namespace}/{LEASE}");

    // `elector` is cheap to clone: a clone reports who leads while `run` campaigns.
    let observer = tokio::spawn(print_new_leaders(elector.clone()));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let outcome = elector.run(shutdown, |leading| work(&me, leading)).await;
    observer.abort();
    // A lost Lease ends the program with an error: another copy may be leading already, so
    // this one must not go on working with what it knew; restart it to campaign anew.
    match outcome? {
        Some(rounds) => println!("{me}: stopped after {rounds} rounds; lease released"),
        None => println!("{me}: stopped without ever leading"),
    }
    Ok(())
}

/// The controller, run while this copy leads: works until `leading` completes (Ctrl-C or a
/// lost Lease), then returns, and only then is the Lease released.
async fn work(me: &str, mut leading: Leading) -> u64 {
    println!("{me}: leading");
    let mut every_second = tokio::time::interval(Duration::from_secs(1));
    let mut rounds = 0;
    loop {
        tokio::select! {
            () = &mut leading => break,
            _ = every_second.tick() => {
                rounds += 1;
                println!("{me}: working (round {rounds})");
            }
        }
    }
    println!("{me}: stopping work");
    rounds
}

/// Prints the holder of the Lease each time it changes, as this elector last saw it.
async fn print_new_leaders(elector: LeaderElector) {
    let mut known = None;
    loop {
        let leader = elector.leader();
        if leader != known {
            if let Some(leader) = &leader {
                println!("{}: the leader is {leader}", elector.identity());
            }
            known = leader;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
