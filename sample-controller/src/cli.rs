//! The command line: every flag, with the defaults of the Go original where it has the
//! flag and of kube-controller-manager where it does not.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};

/// Reconciles Foos (samplecontroller.k8s.io/v1alpha1) with the Deployments they own.
#[derive(Debug, clap::Parser)]
#[command(version, about)]
pub(crate) struct Args {
    /// Path to a kubeconfig. Only required if out-of-cluster. Without it (and without
    /// --master) the in-cluster config, then $KUBECONFIG and ~/.kube/config are tried.
    #[arg(long, global = true)]
    pub(crate) kubeconfig: Option<PathBuf>,
    /// The address of the Kubernetes API server. Overrides any value in kubeconfig.
    #[arg(long, global = true)]
    pub(crate) master: Option<String>,
    /// Watch Foos and Deployments in this namespace only (default: all namespaces).
    #[arg(long)]
    pub(crate) namespace: Option<String>,
    /// How many Foos are synced at once.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) workers: u16,
    /// How often every cached object is handed to the handlers again (e.g. 30s, 5m, 0 for
    /// never).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub(crate) resync: Duration,
    /// Requests a second to the API server, watches included (client-go's QPS), for each API
    /// group-version: Events, Deployments, Leases and Foos each have their own bucket, as
    /// client-go gives Go's sample-controller (it sets no QPS, so each group-version client
    /// gets the default, 5). 0 (the default, as in kube-rs) sets no client-side limit and
    /// leaves fairness to the API server's priority and fairness.
    #[arg(long, default_value_t = 0.0, value_parser = parse_qps)]
    pub(crate) kube_api_qps: f64,
    /// How many requests may go at once before --kube-api-qps paces them (client-go's
    /// Burst). Used only with --kube-api-qps.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) kube_api_burst: u32,
    /// Where to serve /metrics, /healthz and /readyz: IP:PORT, or :PORT for every
    /// interface; 0 disables the server.
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = parse_bind_address)]
    pub(crate) metrics_bind_address: BindAddress,
    /// More logs: -v for debug, -vv for trace. RUST_LOG, when set, wins.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    /// How log lines are written to stderr: human-readable text, or one JSON object per line.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub(crate) log_format: LogFormat,
    #[command(flatten)]
    pub(crate) leader_election: LeaderElectionArgs,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The value of `--metrics-bind-address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BindAddress {
    /// `0`: no server.
    Disabled,
    Listen(SocketAddr),
}

/// The value of `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line, with the event's fields at the top level.
    Json,
}

/// Leader election on a coordination.k8s.io Lease, with kube-controller-manager's flag names.
#[derive(Debug, clap::Args)]
pub(crate) struct LeaderElectionArgs {
    /// Work only while holding a Lease, so that of several replicas one works at a time and
    /// another takes over when it dies.
    #[arg(long)]
    pub(crate) leader_elect: bool,
    /// The namespace of the Lease (the one artifacts/ creates).
    #[arg(long, default_value = "sample-controller")]
    pub(crate) leader_elect_resource_namespace: String,
    /// The name of the Lease.
    #[arg(long, default_value = "sample-controller")]
    pub(crate) leader_elect_resource_name: String,
    /// How long a standby waits, from the last renewal it saw, before taking the Lease.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub(crate) leader_elect_lease_duration: Duration,
    /// How long the leader keeps trying to renew before it stops working.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(crate) leader_elect_renew_deadline: Duration,
    /// How often to try to acquire or renew the Lease.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub(crate) leader_elect_retry_period: Duration,
}

/// Subcommands; without one, the controller runs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the Foo CustomResourceDefinition as YAML.
    Crd,
}

/// `IP:PORT`, `:PORT` (every interface, as Go writes it) or `0` (no server).
pub(crate) fn parse_bind_address(text: &str) -> Result<BindAddress, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(BindAddress::Disabled);
    }
    let full = match text.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => text.to_owned(),
    };
    full.parse().map(BindAddress::Listen).map_err(|_| {
        format!(
            "{text:?} is not an address like 127.0.0.1:8080, [::1]:8080 or :8080 (or 0 to disable)"
        )
    })
}

/// A request rate: a finite number, 0 or more.
pub(crate) fn parse_qps(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(qps) if qps.is_finite() && qps >= 0.0 => Ok(qps),
        _ => Err(format!(
            "{text:?} is not a request rate like 5 or 20.5 (0: no limit)"
        )),
    }
}

/// A duration like `30s`, `5m`, `1h`, `500ms` or plain seconds (`30`).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
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
    use clap::Parser as _;

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

    #[test]
    fn no_client_side_limit_by_default_and_client_go_style_flags() {
        let args = Args::parse_from(["sample-controller"]);
        assert_eq!((args.kube_api_qps, args.kube_api_burst), (0.0, 10));
        let args = Args::parse_from([
            "sample-controller",
            "--kube-api-qps",
            "5",
            "--kube-api-burst=20",
        ]);
        assert_eq!((args.kube_api_qps, args.kube_api_burst), (5.0, 20));
        for bad in [
            ["--kube-api-qps", "-1"],
            ["--kube-api-qps", "NaN"],
            ["--kube-api-burst", "0"],
        ] {
            assert!(Args::try_parse_from(["sample-controller", bad[0], bad[1]]).is_err());
        }
    }

    #[test]
    fn metrics_listen_on_loopback_by_default_and_0_disables_them() {
        let args = Args::parse_from(["sample-controller"]);
        assert_eq!(
            args.metrics_bind_address,
            BindAddress::Listen("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(args.log_format, LogFormat::Text);
        let args = Args::parse_from([
            "sample-controller",
            "--metrics-bind-address",
            "0",
            "--log-format",
            "json",
        ]);
        assert_eq!(args.metrics_bind_address, BindAddress::Disabled);
        assert_eq!(args.log_format, LogFormat::Json);
        let address = |text| parse_bind_address(text).map_err(drop);
        assert_eq!(
            address(":9090"),
            Ok(BindAddress::Listen("0.0.0.0:9090".parse().unwrap()))
        );
        assert_eq!(
            address("[::1]:8443"),
            Ok(BindAddress::Listen("[::1]:8443".parse().unwrap()))
        );
        assert!(address("localhost").is_err());
        assert!(Args::try_parse_from(["sample-controller", "--log-format", "xml"]).is_err());
    }

    #[test]
    fn leader_election_is_off_by_default_with_client_go_timings() {
        let election = Args::parse_from(["sample-controller"]).leader_election;
        assert!(!election.leader_elect);
        assert_eq!(
            election.leader_elect_resource_namespace,
            "sample-controller"
        );
        assert_eq!(election.leader_elect_resource_name, "sample-controller");
        assert_eq!(
            election.leader_elect_lease_duration,
            Duration::from_secs(15)
        );
        assert_eq!(
            election.leader_elect_renew_deadline,
            Duration::from_secs(10)
        );
        assert_eq!(election.leader_elect_retry_period, Duration::from_secs(2));
        let election = Args::parse_from([
            "sample-controller",
            "--leader-elect",
            "--leader-elect-resource-namespace=ops",
            "--leader-elect-lease-duration=3s",
        ])
        .leader_election;
        assert!(election.leader_elect);
        assert_eq!(election.leader_elect_resource_namespace, "ops");
        assert_eq!(election.leader_elect_lease_duration, Duration::from_secs(3));
    }
}
