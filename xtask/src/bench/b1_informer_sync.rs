//! B1, informer cold sync: a fresh process lists 10,000 ConfigMaps (~1 KiB each), or
//! 10,000 Foos, into an informer cache. kube-gen, client-go and kube-rs run in turn
//! each round, with raw LISTs as the floor, and beside them kube-gen reading JSON where it
//! reads protobuf by default (ConfigMaps) and its two smaller caches (a metadata informer,
//! a typed projection). Figures: time to synced, peak RSS, RSS per
//! cached object (after the sync minus before the list, over N), and live heap per
//! cached object (the allocator's bytes in use for ours and kube-rs, Go's `HeapInuse`
//! after a collection for client-go).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use serde_json::{Value, json};

use super::{Better, Ctx, Figure, Series, Target, Unit, build_cache, process, seed};

const CRD: &str = "artifacts/crd.yaml";

/// One program to run each round: the series name and its command line.
struct Side {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
}

pub fn run(ctx: &Ctx) -> anyhow::Result<Vec<Figure>> {
    let n = ctx.scale(10_000, 200);
    let ours = build_cache::our_bin(ctx, "kube-gen-bench", "informer_sync")?;
    let client_go = build_cache::go_bin(
        &ctx.root.join("bench/go/clientgo"),
        "./cmd/informer-sync",
        &ctx.out,
        "clientgo-informer-sync",
    )?;
    apply_crd(ctx)?;

    // Clean up even when a side failed, so a rerun starts from an empty cluster.
    let cm_resource = ApiResource::erase::<ConfigMap>(&());
    let configmaps = seed::create(ctx, "bench-b1-configmaps", n, &cm_resource, |i| {
        configmap(i, &cm_resource)
    })?;
    let measured = measure(
        ctx,
        n,
        "ConfigMaps",
        "configmaps",
        &configmaps.namespace,
        &ours,
        &client_go,
    );
    configmaps.clean_up()?;
    let mut figures = measured?;

    let foo_resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("samplecontroller.k8s.io", "v1alpha1", "Foo"),
        "foos",
    );
    let foos = seed::create(ctx, "bench-b1-foos", n, &foo_resource, |i| {
        foo(i, &foo_resource)
    })?;
    let measured = measure(ctx, n, "Foos", "foos", &foos.namespace, &ours, &client_go);
    foos.clean_up()?;
    figures.extend(measured?);
    Ok(figures)
}

/// A ConfigMap of about 1 KiB: four 250-byte values and a label.
fn configmap(i: usize, resource: &ApiResource) -> DynamicObject {
    let data: BTreeMap<String, String> = (0..4)
        .map(|k| {
            (
                format!("key-{k}"),
                format!("{i:05}-{k}.").repeat(32)[..250].to_owned(),
            )
        })
        .collect();
    let mut cm = DynamicObject::new(&format!("cm-{i:05}"), resource).data(json!({ "data": data }));
    cm.metadata.labels = Some(BTreeMap::from([("app".into(), "bench".into())]));
    cm
}

/// A Foo as the sample-controller's examples have it (xtask does not link the Foo type).
fn foo(i: usize, resource: &ApiResource) -> DynamicObject {
    DynamicObject::new(&format!("foo-{i:05}"), resource)
        .data(json!({ "spec": { "deploymentName": format!("foo-{i:05}"), "replicas": 1 } }))
}

/// Applies the Foo CRD and waits until it is served.
fn apply_crd(ctx: &Ctx) -> anyhow::Result<()> {
    let kubectl = |args: &[&str]| -> anyhow::Result<()> {
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(ctx.kubeconfig())
            .args(args)
            .current_dir(&ctx.root)
            .output()
            .context("running kubectl")?;
        if !out.status.success() {
            bail!(
                "kubectl {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    };
    kubectl(&["apply", "-f", CRD])?;
    kubectl(&[
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/foos.samplecontroller.k8s.io",
    ])
}

/// Runs every side `ctx.rounds` times, interleaved, and turns the results into figures.
fn measure(
    ctx: &Ctx,
    n: usize,
    what: &str,
    kind: &str,
    namespace: &str,
    ours: &Path,
    client_go: &Path,
) -> anyhow::Result<Vec<Figure>> {
    let kubeconfig = ctx.kubeconfig().display().to_string();
    let common = |extra: &[&str]| -> Vec<String> {
        [
            "--kind",
            kind,
            "--namespace",
            namespace,
            "--kubeconfig",
            &kubeconfig,
        ]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
    };
    let sides = [
        Side {
            name: "kube-gen",
            program: ours.to_path_buf(),
            args: common(&["--impl", "kube-gen"]),
        },
        Side {
            name: "client-go",
            program: client_go.to_path_buf(),
            args: common(&[]),
        },
        Side {
            name: "kube-rs",
            program: ours.to_path_buf(),
            args: common(&["--impl", "kube-rs"]),
        },
        Side {
            name: "kube-gen JSON",
            program: ours.to_path_buf(),
            args: common(&["--impl", "kube-gen", "--json"]),
        },
        Side {
            name: "kube-gen metadata",
            program: ours.to_path_buf(),
            args: common(&["--impl", "kube-gen", "--cache", "metadata"]),
        },
        Side {
            name: "kube-gen projection",
            program: ours.to_path_buf(),
            args: common(&["--impl", "kube-gen", "--cache", "projection"]),
        },
        Side {
            name: "raw LIST",
            program: ours.to_path_buf(),
            args: common(&["--impl", "raw-list"]),
        },
        Side {
            name: "raw LIST rv=0",
            program: ours.to_path_buf(),
            args: common(&["--impl", "raw-list", "--resource-version", "0"]),
        },
    ];
    let mut results: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for round in 0..ctx.rounds {
        for side in &sides {
            let got = process::run_json(Command::new(&side.program).args(&side.args))
                .with_context(|| format!("{} sync of {what}", side.name))?;
            if got["objects"].as_u64() != Some(n as u64) {
                bail!("{} synced {} of {n} {what}", side.name, got["objects"]);
            }
            eprintln!("    round {} {:<19} {}", round + 1, side.name, brief(&got));
            results.entry(side.name).or_default().push(got);
        }
    }
    let series = |name: &str, label: &str, f: &dyn Fn(&Value) -> Option<f64>| Series {
        name: label.to_owned(),
        rounds: results
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(f)
            .collect(),
    };
    let seconds = |v: &Value| v["synced_seconds"].as_f64();
    let peak = |v: &Value| v["peak_rss_bytes"].as_f64();
    let per_object = |v: &Value| {
        Some((v["rss_after_bytes"].as_f64()? - v["rss_before_bytes"].as_f64()?) / n as f64)
    };
    // Go's `HeapInuse` for client-go, the allocator's bytes in use for the Rust sides.
    let heap = |v: &Value| {
        Some((v["heap_after_bytes"].as_f64()? - v["heap_before_bytes"].as_f64()?) / n as f64)
    };
    let json_size = |v: &Value| Some(v["object_json_bytes"].as_f64()? / n as f64);
    let case = format!("cold sync, {n} {what}");
    let figure = |metric: &str, unit, ours, peers, floor, targets| Figure {
        id: "B1",
        case: case.clone(),
        metric: metric.to_owned(),
        unit,
        better: Better::Lower,
        ours,
        peers,
        floor,
        targets,
    };
    let target = |peer: &str, ratio: f64| Target {
        peer: peer.to_owned(),
        ratio,
    };
    Ok(vec![
        figure(
            "time to synced",
            Unit::Seconds,
            series("kube-gen", "kube-gen", &seconds),
            vec![
                series("client-go", "client-go", &seconds),
                series("kube-rs", "kube-rs", &seconds),
                series("raw LIST rv=0", "raw LIST rv=0 (watch cache)", &seconds),
                series("kube-gen JSON", "kube-gen JSON", &seconds),
                series("kube-gen metadata", "kube-gen metadata-only", &seconds),
                series("kube-gen projection", "kube-gen projection", &seconds),
            ],
            Some(series("raw LIST", "raw LIST (floor)", &seconds)),
            vec![target("client-go", 0.8), target("kube-rs", 0.8)],
        ),
        figure(
            "peak RSS",
            Unit::Bytes,
            series("kube-gen", "kube-gen", &peak),
            vec![
                series("client-go", "client-go", &peak),
                series("kube-rs", "kube-rs", &peak),
                series("kube-gen JSON", "kube-gen JSON", &peak),
                series("kube-gen metadata", "kube-gen metadata-only", &peak),
                series("kube-gen projection", "kube-gen projection", &peak),
            ],
            None,
            vec![target("client-go", 0.5)],
        ),
        figure(
            "RSS per cached object",
            Unit::Bytes,
            series("kube-gen", "kube-gen", &per_object),
            vec![
                series("client-go", "client-go", &per_object),
                series("kube-rs", "kube-rs", &per_object),
            ],
            Some(series("raw LIST", "object JSON (floor)", &json_size)),
            vec![],
        ),
        figure(
            "live heap per cached object",
            Unit::Bytes,
            series("kube-gen", "kube-gen", &heap),
            vec![
                series("client-go", "client-go", &heap),
                series("kube-rs", "kube-rs", &heap),
                series("kube-gen JSON", "kube-gen JSON", &heap),
                series("kube-gen metadata", "kube-gen metadata-only", &heap),
            ],
            Some(series("raw LIST", "object JSON (floor)", &json_size)),
            vec![target("client-go", 1.0)],
        ),
        figure(
            "live heap per cached object, projection (client-go: whole objects)",
            Unit::Bytes,
            series("kube-gen projection", "kube-gen projection", &heap),
            vec![series("client-go", "client-go", &heap)],
            None,
            vec![target("client-go", 0.5)],
        ),
    ])
}

/// One line per run, so a long benchmark shows progress.
fn brief(v: &Value) -> String {
    let mib = |k: &str| v[k].as_f64().unwrap_or_default() / 1048576.0;
    json!({
        "s": v["synced_seconds"],
        "peak_MiB": (mib("peak_rss_bytes") * 10.0).round() / 10.0,
        "delta_MiB": ((mib("rss_after_bytes") - mib("rss_before_bytes")) * 10.0).round() / 10.0,
        "heap_MiB": ((mib("heap_after_bytes") - mib("heap_before_bytes")) * 10.0).round() / 10.0,
    })
    .to_string()
}
