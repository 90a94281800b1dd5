//! sample-controller: reconciles `Foo.spec.replicas` against a Deployment it owns.
//!
//! `sample-controller [flags]` runs the controller; `sample-controller crd` prints the Foo
//! CRD. The first SIGINT or SIGTERM stops taking work, lets the syncs in flight finish and
//! exits 0; a second one exits 1 at once.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use k8s_openapi::api::apps::v1::Deployment;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube_gen::events::Recorder;
use kube_gen::informer::SharedInformerFactory;
use sample_controller::controller::{CONTROLLER_AGENT_NAME, Controller};
use sample_controller::foo::Foo;
use tracing::{info, warn};
use tracing_subscriber::EnvFilter;

/// How long events still queued at shutdown may take to be written.
const EVENT_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Reconciles Foos (samplecontroller.k8s.io/v1alpha1) with the Deployments they own.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Path to a kubeconfig. Only required if out-of-cluster. Without it (and without
    /// --master) the in-cluster config, then $KUBECONFIG and ~/.kube/config are tried.
    #[arg(long, global = true)]
    kubeconfig: Option<PathBuf>,
    /// The address of the Kubernetes API server. Overrides any value in kubeconfig.
    #[arg(long, global = true)]
    master: Option<String>,
    /// Watch Foos and Deployments in this namespace only (default: all namespaces).
    #[arg(long)]
    namespace: Option<String>,
    /// How many Foos are synced at once.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    workers: u16,
    /// How often every cached object is handed to the handlers again (e.g. 30s, 5m, 0 for
    /// never).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    resync: Duration,
    /// More logs: -v for debug, -vv for trace. RUST_LOG, when set, wins.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the Foo CustomResourceDefinition as YAML.
    Crd,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(Command::Crd) = args.command {
        print!("{}", sample_controller::foo::crd_yaml()?);
        return Ok(());
    }
    init_logging(args.verbose);
    let runtime = tokio::runtime::Runtime::new().context("could not start the tokio runtime")?;
    if let Err(err) = runtime.block_on(run(args)) {
        tracing::error!("{err:#}");
        std::process::exit(1);
    }
    Ok(())
}

/// Builds the clients, the informers and the controller, and runs it until a signal.
async fn run(args: Args) -> anyhow::Result<()> {
    let config = kube_config(args.kubeconfig, args.master).await?;
    let client = kube::Client::try_from(config).context("error building kubernetes client")?;

    // One factory serves both kinds: Go needed two because it had two clientsets.
    let mut factory = SharedInformerFactory::builder(client.clone())
        .resync_period((!args.resync.is_zero()).then_some(args.resync));
    if let Some(namespace) = &args.namespace {
        factory = factory.namespace(namespace);
    }
    let factory = factory.build();
    let recorder = Recorder::new(client.clone(), CONTROLLER_AGENT_NAME);
    let controller = Controller::new(
        client,
        &factory.informer::<Deployment>(),
        &factory.informer::<Foo>(),
        recorder.clone(),
    );

    // Informers only start when asked; requested informers are started here, after the
    // controller has registered its handlers.
    factory.start();

    let result = controller
        .run(usize::from(args.workers), shutdown_signal())
        .await;
    factory.shutdown().await;
    if tokio::time::timeout(EVENT_FLUSH_TIMEOUT, recorder.shut_down())
        .await
        .is_err()
    {
        warn!("events still queued at shutdown were dropped");
    }
    result.context("error running controller")
}

/// The client config: the kubeconfig given, with --master overriding its server; --master
/// alone; or kube's usual inference (in-cluster, $KUBECONFIG, ~/.kube/config).
async fn kube_config(
    kubeconfig: Option<PathBuf>,
    master: Option<String>,
) -> anyhow::Result<kube::Config> {
    let master = master
        .map(|m| m.parse::<http::Uri>().context("--master is not a URL"))
        .transpose()?;
    let mut config = match (kubeconfig, &master) {
        (Some(path), _) => {
            let kubeconfig = Kubeconfig::read_from(&path)
                .with_context(|| format!("could not read kubeconfig {}", path.display()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .with_context(|| format!("invalid kubeconfig {}", path.display()))?
        }
        (None, Some(master)) => kube::Config::new(master.clone()),
        (None, None) => {
            warn!("neither --kubeconfig nor --master was specified; inferring the config");
            kube::Config::infer()
                .await
                .context("error building kubeconfig")?
        }
    };
    if let Some(master) = master {
        config.cluster_url = master;
    }
    Ok(config)
}

/// Completes on the first SIGINT or SIGTERM; the second one exits the process with 1.
fn shutdown_signal() -> impl Future<Output = ()> {
    let (first, received) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        wait_for_signal().await;
        info!("received a signal; shutting down (send another to exit at once)");
        let _ = first.send(());
        wait_for_signal().await;
        tracing::error!("received a second signal; exiting");
        std::process::exit(1);
    });
    async move {
        // An error means the signal task is gone, which only happens when the runtime is.
        let _ = received.await;
    }
}

/// Waits for SIGINT or SIGTERM (Ctrl-C only off Unix).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("can listen for SIGTERM");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Logs to stderr at info, or debug with -v, trace with -vv; RUST_LOG overrides.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// A duration like `30s`, `5m`, `1h`, `500ms` or plain seconds (`30`).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 5m or 1h"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?}; use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|err| format!("{text:?}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_go_style_units() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3d").is_err());
    }

    #[test]
    fn flags_default_to_two_workers_and_a_30s_resync() {
        let args = Args::parse_from(["sample-controller"]);
        assert_eq!(args.workers, 2);
        assert_eq!(args.resync, Duration::from_secs(30));
        assert!(args.command.is_none());
        let args = Args::parse_from(["sample-controller", "--kubeconfig", "k", "-vv", "crd"]);
        assert!(matches!(args.command, Some(Command::Crd)));
        assert_eq!(args.verbose, 2);
        assert!(Args::try_parse_from(["sample-controller", "--workers", "0"]).is_err());
    }
}
