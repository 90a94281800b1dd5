//! Running the controller: the ops server, the cluster connection, optional leader
//! election, and an orderly stop.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube_gen::client::{Throttle, connect};
use kube_gen::events::Recorder;
use kube_gen::informer::SharedInformerFactory;
use kube_gen::leaderelection::{LeaderElectionMetrics, LeaderElector};
use prometheus_client::registry::Registry;
use sample_controller::controller::{CONTROLLER_AGENT_NAME, Controller};
use sample_controller::deployment::CachedDeployment;
use sample_controller::foo::Foo;
use sample_controller::ops::{ControllerMetrics, Health, Server, register_informer_metrics};
use tracing::{info, warn};

use crate::cli::{Args, BindAddress, LeaderElectionArgs};
use crate::shutdown_signal;

/// How long events still queued at shutdown may take to be written.
const EVENT_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves metrics and probes, builds the controller and runs it until a signal.
pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let health = Health::new();
    let mut registry = Registry::default();
    let metrics = ControllerMetrics::register(&mut registry);
    register_informer_metrics(&mut registry, &health);
    let election_metrics = LeaderElectionMetrics::register(&mut registry);
    // Started first, so a taken port fails fast and the probes answer while the caches sync.
    let server = match args.metrics_bind_address {
        BindAddress::Listen(address) => {
            Some(Server::bind(address, registry, health.clone()).await?)
        }
        BindAddress::Disabled => None,
    };

    let result = run_on_cluster(&args, &health, &metrics, &election_metrics).await;
    if let Some(server) = server {
        server.shutdown().await;
    }
    result
}

/// Connects to the cluster, builds the controller and runs it until a signal, which also
/// starts failing `/readyz`. With `--leader-elect` the controller starts once this replica
/// holds the Lease, stops when it loses it (an error: the process exits 1 and is
/// restarted, as client-go's controllers do) and releases it after an orderly stop; its
/// requests go through the elector's [fence](LeaderElector::fence), so none is sent, and
/// none is waited for, after the renew deadline.
async fn run_on_cluster(
    args: &Args,
    health: &Health,
    metrics: &ControllerMetrics,
    election_metrics: &LeaderElectionMetrics,
) -> anyhow::Result<()> {
    let signal = shutdown_signal();
    let shutdown = {
        let health = health.clone();
        async move {
            signal.await;
            health.begin_shutdown();
        }
    };
    let config = kube_config(args.kubeconfig.clone(), args.master.clone()).await?;
    let client = kube_client(config, args).context("error building kubernetes client")?;
    let workers = usize::from(args.workers);
    if !args.leader_election.leader_elect {
        let parts = build_controller(client, args, health, metrics);
        return run_controller(parts, workers, health, shutdown).await;
    }
    let elector = leader_elector(client.clone(), &args.leader_election, election_metrics)?;
    // Everything the controller sends (lists and watches, Deployment and status writes,
    // Events) goes through the fence: nothing is sent once this replica's renew deadline
    // has passed, and a write still waiting then is abandoned, so its sync fails instead of
    // landing while another replica leads. The elector keeps the unfenced client.
    let parts = build_controller(elector.fence(client), args, health, metrics);
    info!(identity = elector.identity(), "waiting to lead");
    let led = elector
        .run(shutdown, |leading| {
            run_controller(parts, workers, health, leading)
        })
        .await
        .context("leader election lost")?;
    // `None`: stopped before this replica ever led.
    led.unwrap_or(Ok(()))
}

/// kube's client for `config`, connected with TCP_NODELAY ([`connect::builder`]). With
/// `--kube-api-qps` it is behind a [`Throttle::per_group_version`]: Events (`v1`),
/// Deployments (`apps/v1`), Leases and Foos each get their own bucket, as Go's
/// sample-controller gets from client-go when it sets no `QPS`.
fn kube_client(config: kube::Config, args: &Args) -> kube::Result<kube::Client> {
    let builder = connect::builder(config)?;
    Ok(if args.kube_api_qps > 0.0 {
        builder
            .with_layer(&Throttle::per_group_version(
                args.kube_api_qps,
                args.kube_api_burst,
            ))
            .build()
    } else {
        builder.build()
    })
}

/// The elector `--leader-elect-*` describe.
fn leader_elector(
    client: kube::Client,
    args: &LeaderElectionArgs,
    metrics: &LeaderElectionMetrics,
) -> anyhow::Result<LeaderElector> {
    LeaderElector::builder(
        client,
        &args.leader_elect_resource_namespace,
        &args.leader_elect_resource_name,
    )
    .lease_duration(args.leader_elect_lease_duration)
    .renew_deadline(args.leader_elect_renew_deadline)
    .retry_period(args.leader_elect_retry_period)
    .metrics(metrics)
    .build()
    .context("invalid --leader-elect-* flags")
}

/// What [`build_controller`] builds: the informers (not started), the event recorder and
/// the controller.
struct Parts {
    factory: SharedInformerFactory,
    recorder: Recorder,
    controller: Controller,
}

/// Builds the informers and the controller over them, without starting anything; adds the
/// informers to `health` (they report "not started" until [`run_controller`]).
fn build_controller(
    client: kube::Client,
    args: &Args,
    health: &Health,
    metrics: &ControllerMetrics,
) -> Parts {
    // One factory serves both kinds: Go needed two because it had two clientsets.
    let mut factory = SharedInformerFactory::builder(client.clone())
        .resync_period((!args.resync.is_zero()).then_some(args.resync));
    if let Some(namespace) = &args.namespace {
        factory = factory.namespace(namespace);
    }
    let factory = factory.build();
    // Deployments as protobuf, each decoded and projected with no JSON in between.
    CachedDeployment::use_protobuf();
    let (deployments, foos) = (
        factory.informer::<CachedDeployment>(),
        factory.informer::<Foo>(),
    );
    health.add_informer("foos", &foos);
    health.add_informer("deployments", &deployments);
    let recorder = Recorder::new(client.clone(), CONTROLLER_AGENT_NAME);
    let controller = Controller::builder(client, &deployments, &foos, recorder.clone())
        .metrics(metrics)
        .build();
    Parts {
        factory,
        recorder,
        controller,
    }
}

/// Starts the informers and runs the controller until `shutdown`, then stops the informers
/// and flushes the events still queued. Marks the controller started and stopped in
/// `health`.
async fn run_controller(
    parts: Parts,
    workers: usize,
    health: &Health,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let Parts {
        factory,
        recorder,
        controller,
    } = parts;
    // Informers only start when asked; requested informers are started here, after the
    // controller has registered its handlers.
    factory.start();
    health.controller_started();

    let result = controller.run(workers, shutdown).await;
    health.controller_stopped(result.as_ref().err().map(|err| format!("{err:#}")));
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
