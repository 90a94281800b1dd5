//! `kube-gen`: CustomResourceDefinition YAML/JSON → Rust types with `#[derive(CustomResource)]`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use kube_gen_codegen::crd::{self, Source, Version, VersionFilter, VersionOptions};
use kube_gen_codegen::emit::source::{self, MapType, SourceOptions, Target, TypeDerive};
use kube_gen_codegen::model::SchemaMode;

mod args;
mod cluster;

use args::{Cli, Command};
use cluster::from_cluster;

/// mimalloc rather than the system's malloc: see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "kube-gen", &mut std::io::stdout());
            return Ok(());
        }
        Some(Command::ListCrds { kubeconfig }) => {
            for name in cluster::list_crds(kubeconfig.as_deref())? {
                println!("{name}");
            }
            return Ok(());
        }
        None => {}
    }
    let inputs: Vec<PathBuf> = cli.inputs.iter().chain(&cli.filename).cloned().collect();
    let files = read_inputs(&inputs)?;
    let cluster = if cli.from_cluster.is_empty() {
        Vec::new()
    } else {
        from_cluster(&cli.from_cluster, cli.kubeconfig.as_deref())?
    };
    let filter = match &cli.api_version {
        Some(version) => version
            .parse::<VersionFilter>()
            .map_err(anyhow::Error::msg)?,
        None => cli.version_filter.clone(),
    };
    let options = VersionOptions {
        filter,
        derives: Vec::new(),
        no_status: cli.no_status,
        no_condition: cli.no_condition,
        no_object_reference: cli.no_object_reference,
        relaxed: cli.relaxed,
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
        hide_prelude: cli.hide_prelude,
        elide: cli.elide.clone(),
        hide_kube: cli.hide_kube,
        map_type: if cli.map_type == "HashMap" {
            MapType::HashMap
        } else {
            MapType::BTreeMap
        },
        // kopium's `--auto` implies `--schema derived`
        schema: match cli.schema.as_str() {
            _ if cli.auto => SchemaMode::Derived,
            "manual" => SchemaMode::Manual,
            "disabled" => SchemaMode::Disabled,
            _ => SchemaMode::Derived,
        },
        builders: cli.builders,
        target: if cli.target == "kube" {
            Target::Kube
        } else {
            Target::KubeGen
        },
    };
    // without a root type (`--hide-kube`) there is no `crd()` to panic
    if options.target == Target::Kube && !options.hide_kube {
        for warning in versions.iter().filter_map(source::kube_target_warning) {
            eprintln!("warning: {warning}");
        }
    }
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
    for warning in &selected.warnings {
        eprintln!("warning: {warning}");
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

/// The inputs in order: `-` is stdin, the rest are read as the library's `Builder` reads them
/// (a directory stands for its `*.yaml`, `*.yml` and `*.json` files, recursively, sorted).
fn read_inputs(inputs: &[PathBuf]) -> anyhow::Result<Vec<Source>> {
    let mut sources = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("<stdin>: cannot read")?;
            sources.push(Source::from_bytes("<stdin>", bytes)?);
        } else {
            sources.extend(crd::read_input(input)?);
        }
    }
    Ok(sources)
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
        // `-o /dev/null` or a FIFO: written to as it is; renaming over it would replace it
        // with a regular file
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            std::fs::write(path, text)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            continue;
        }
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
