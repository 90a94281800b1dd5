//! `kube-gen`: CustomResourceDefinition YAML/JSON → Rust types with `#[derive(CustomResource)]`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube_gen_codegen::crd::{self, Source, Version, VersionFilter, VersionOptions};
use kube_gen_codegen::emit::source::{self, SourceOptions, TypeDerive};

const EXAMPLES: &str = "\
Examples:
  kube-gen artifacts/crd.yaml                     print the Rust types of every served version
  kube-gen crds/ -o src/crds.rs                   every CRD in a directory, into one file
  kube-gen crd.yaml --out-dir src/api             one module per kind and version, plus mod.rs
  kube-gen --from-cluster foos.samplecontroller.k8s.io -o src/foo.rs
                                                  the CRD as the current kubeconfig's cluster has it
  kubectl get crd foos.example.com -o yaml | kube-gen -
  kube-gen crd.yaml --version-filter v1 -D PartialEq -D @struct=Default --no-docs

Non-CRD documents in a multi-document YAML stream are skipped with a note on stderr.
The generated code needs the crates kube-gen, serde, serde_json, schemars 1 and k8s-openapi.

Errors go to stderr, one per line, every error of every input before exiting:
  error: FILE:LINE:COLUMN: what is wrong (at .spec.versions[0].schema.openAPIV3Schema.properties.spec)
LINE:COLUMN is left out where unknown, the JSON path where there is no node to point at;
FILE is `<stdin>` for `-` and `cluster:NAME` for --from-cluster.

Exit codes:
  0  the code was generated
  1  an input could not be read, parsed, validated or mapped to Rust, or the cluster could not
     be asked; nothing is written (an existing output file is left as it was)
  2  usage error (unknown option, bad value)";

/// Generates Rust types with `#[derive(CustomResource)]` from CustomResourceDefinitions.
#[derive(Debug, Parser)]
#[command(name = "kube-gen", version, after_help = EXAMPLES)]
struct Cli {
    /// CRD files (YAML, multi-document YAML or JSON), directories of them, or `-` for stdin.
    #[arg(value_name = "FILE", required_unless_present = "from_cluster")]
    inputs: Vec<PathBuf>,
    /// Read the CRD NAME (`<plural>.<group>`) from the cluster of the current kubeconfig
    /// (repeatable; with files too).
    #[arg(long, value_name = "NAME")]
    from_cluster: Vec<String>,
    /// The kubeconfig for --from-cluster (default: $KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "PATH", requires = "from_cluster")]
    kubeconfig: Option<PathBuf>,
    /// Write the code to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Write one module per kind and version, plus a `mod.rs`, into DIR.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Which versions to generate: `served` (default), `all`, `storage`, or names (`v1,v2`).
    #[arg(long, value_name = "FILTER", default_value = "served", value_parser = parse_filter)]
    version_filter: VersionFilter,
    /// An extra derive (repeatable), in kopium's forms: `PartialEq` for every type,
    /// `FooSpec=PartialEq` for one type, `@struct=Default`, `@enum=Eq` or `@enum:simple=Copy`
    /// for every struct or enum. Derives always written (`Clone`, `Debug`, `JsonSchema`, serde's)
    /// are accepted and not repeated.
    #[arg(short = 'D', long = "derive", value_name = "DERIVE", value_parser = parse_derive)]
    derives: Vec<String>,
    /// Drop `Default` from structs with a field that cannot default (a required date-time,
    /// `Condition` or a type without `Default`), so `-D Default` compiles on any CRD.
    #[arg(long)]
    smart_derive_elision: bool,
    /// Turn schema descriptions into doc comments (the default; kopium's `--docs`).
    #[arg(short = 'd', long, conflicts_with = "no_docs")]
    docs: bool,
    /// Don't turn schema descriptions into doc comments.
    #[arg(long)]
    no_docs: bool,
    /// Leave out status structs and the status subresource.
    #[arg(long)]
    no_status: bool,
}

/// How long to wait for the cluster to accept a connection, and for its answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(30);

fn parse_filter(s: &str) -> Result<VersionFilter, String> {
    s.parse()
}

/// Checks a `--derive` value; it is parsed again for use (a `syn::Path` cannot cross threads).
fn parse_derive(s: &str) -> Result<String, String> {
    s.parse::<TypeDerive>()
        .map(|_| s.to_owned())
        .map_err(|err| err.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // deep inputs recurse deeply: run on a thread with the stack they need
    let worker = std::thread::Builder::new()
        .name("kube-gen".into())
        .stack_size(crd::STACK_SIZE)
        .spawn(move || run(&cli));
    let result = match worker {
        Ok(worker) => worker
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error (a bug in kube-gen)"))),
        Err(err) => Err(anyhow::Error::new(err).context("starting the worker thread")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let files = read_inputs(&cli.inputs)?;
    let cluster = if cli.from_cluster.is_empty() {
        Vec::new()
    } else {
        from_cluster(&cli.from_cluster, cli.kubeconfig.as_deref())?
    };
    let options = VersionOptions {
        filter: cli.version_filter.clone(),
        derives: Vec::new(),
        no_status: cli.no_status,
    };
    let versions = versions(&files, &cluster, &options)?;
    let options = SourceOptions {
        docs: !cli.no_docs,
        derives: cli
            .derives
            .iter()
            .map(|d| d.parse::<TypeDerive>())
            .collect::<Result<_, _>>()?,
        smart_derive_elision: cli.smart_derive_elision,
    };
    match &cli.out_dir {
        Some(dir) => {
            let files = source::module_files(&versions, &options)?;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the directory", dir.display()))?;
            let files: Vec<_> = files
                .into_iter()
                .map(|(name, text)| (dir.join(name), text))
                .collect();
            write_all(&files)?;
        }
        None => {
            let text = source::single_file(&versions, &options)?;
            match &cli.output {
                Some(path) => write_all(&[(path.clone(), text)])?,
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
        }
    }
    Ok(())
}

/// Every selected version of every CRD; all errors of all inputs are printed before failing.
/// Positions in `cluster` sources point into text the user never saw, so they are left out.
fn versions(
    files: &[Source],
    cluster: &[Source],
    options: &VersionOptions,
) -> anyhow::Result<Vec<Version>> {
    let mut selected = crd::select(files, options);
    selected.extend(crd::select(cluster, options).without_positions());
    for note in &selected.notes {
        eprintln!("{note}");
    }
    if let Some((last, rest)) = selected.errors.split_last() {
        for err in rest {
            eprintln!("error: {err}");
        }
        bail!("{last}");
    }
    if selected.versions.is_empty() {
        bail!(
            "no version matches --version-filter {} (the inputs have {})",
            options.filter,
            selected.available.join(", ")
        );
    }
    Ok(selected.versions)
}

/// The inputs in order; a directory stands for its `*.yaml`, `*.yml` and `*.json` files
/// (recursively, sorted by path).
fn read_inputs(inputs: &[PathBuf]) -> anyhow::Result<Vec<Source>> {
    let mut sources = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("<stdin>: cannot read")?;
            sources.push(Source::from_bytes("<stdin>", bytes)?);
        } else if input.is_dir() {
            let mut files = Vec::new();
            collect_files(input, &mut files)?;
            files.sort();
            if files.is_empty() {
                bail!("{}: no .yaml, .yml or .json files", input.display());
            }
            for file in files {
                sources.push(read_file(&file)?);
            }
        } else {
            sources.push(read_file(input)?);
        }
    }
    Ok(sources)
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let cannot_read = || format!("{}: cannot read the directory", dir.display());
    for entry in std::fs::read_dir(dir).with_context(cannot_read)? {
        let path = entry.with_context(cannot_read)?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            files.push(path);
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> anyhow::Result<Source> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(Source::from_bytes(path.display().to_string(), bytes)?)
}

/// The CRDs `names` from the cluster of `kubeconfig` (or the inferred one), as sources named
/// `cluster:NAME`.
fn from_cluster(names: &[String], kubeconfig: Option<&Path>) -> anyhow::Result<Vec<Source>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let client = cluster_client(kubeconfig).await?;
        let api = kube::Api::<CustomResourceDefinition>::all(client.client);
        let mut sources = Vec::new();
        for name in names {
            let crd = api
                .get(name)
                .await
                .map_err(|err| cluster_error(name, &client.url, err))?;
            let text = serde_json::to_string_pretty(&as_applied(crd))?;
            sources.push(Source {
                name: format!("cluster:{name}"),
                text,
            });
        }
        Ok(sources)
    })
}

struct ClusterClient {
    client: kube::Client,
    url: String,
}

async fn cluster_client(kubeconfig: Option<&Path>) -> anyhow::Result<ClusterClient> {
    let mut config = match kubeconfig {
        Some(path) => {
            let file = kube::config::Kubeconfig::read_from(path).map_err(|err| {
                let cause = root_cause(&err);
                anyhow::anyhow!("{}: cannot read the kubeconfig: {cause}", path.display())
            })?;
            let options = kube::config::KubeConfigOptions::default();
            kube::Config::from_custom_kubeconfig(file, &options)
                .await
                .map_err(|err| {
                    let cause = root_cause(&err);
                    anyhow::anyhow!("{}: unusable kubeconfig: {cause}", path.display())
                })?
        }
        None => kube::Config::infer().await.map_err(|err| {
            anyhow::anyhow!(
                "no usable kubeconfig ($KUBECONFIG, ~/.kube/config or in-cluster): {}; \
                 pass --kubeconfig PATH",
                root_cause(&err)
            )
        })?,
    };
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(READ_TIMEOUT);
    let url = config.cluster_url.to_string();
    let client = kube::Client::try_from(config)
        .with_context(|| format!("cannot build a client for the cluster at {url}"))?;
    Ok(ClusterClient { client, url })
}

/// One line saying why CRD `name` could not be read from the cluster at `url`.
fn cluster_error(name: &str, url: &str, err: kube::Error) -> anyhow::Error {
    let source = format!("cluster:{name}");
    match err {
        kube::Error::Api(status) if status.is_not_found() => anyhow::anyhow!(
            "{source}: no CustomResourceDefinition `{name}` in the cluster at {url} \
             (`kubectl get crds` lists them)"
        ),
        kube::Error::Api(status) if status.is_forbidden() => anyhow::anyhow!(
            "{source}: forbidden to read CustomResourceDefinition `{name}` at {url}: {}",
            status.message
        ),
        kube::Error::Api(status) => anyhow::anyhow!(
            "{source}: the cluster at {url} answered {} {}: {}",
            status.code,
            status.reason,
            status.message
        ),
        other => anyhow::anyhow!(
            "{source}: cannot reach the cluster at {url}: {}",
            root_cause(&other)
        ),
    }
}

/// The first line of the innermost error of `err`'s chain: client errors repeat their sources
/// in their own messages (so the whole chain says the same thing three times), and YAML errors
/// add a source snippet below.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut err = err;
    while let Some(source) = err.source() {
        err = source;
    }
    let message = err.to_string();
    message.lines().next().unwrap_or_default().trim().to_owned()
}

/// The CRD as it was applied: what the server adds to metadata and the status dropped.
fn as_applied(crd: CustomResourceDefinition) -> serde_json::Value {
    let mut annotations = crd.metadata.annotations.unwrap_or_default();
    annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    let mut metadata = serde_json::json!({ "name": crd.metadata.name });
    if let Some(labels) = crd.metadata.labels.filter(|l| !l.is_empty()) {
        metadata["labels"] = serde_json::json!(labels);
    }
    if !annotations.is_empty() {
        metadata["annotations"] = serde_json::json!(annotations);
    }
    serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": metadata,
        "spec": crd.spec,
    })
}

/// Writes every file through a temporary file next to it and renames them only once all are
/// written, so a failure leaves no half-written file and every existing file as it was.
fn write_all(files: &[(PathBuf, String)]) -> anyhow::Result<()> {
    let temporary = |path: &Path| {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".kube-gen-tmp");
        PathBuf::from(tmp)
    };
    let mut written = Vec::new();
    let mut result = Ok(());
    for (path, text) in files {
        let tmp = temporary(path);
        if let Err(err) = std::fs::write(&tmp, text) {
            result =
                Err(anyhow::Error::new(err).context(format!("{}: cannot write", path.display())));
            let _ = std::fs::remove_file(&tmp);
            break;
        }
        written.push((tmp, path));
    }
    if result.is_err() {
        for (tmp, _) in &written {
            let _ = std::fs::remove_file(tmp);
        }
        return result;
    }
    for (tmp, path) in written {
        std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(())
}
