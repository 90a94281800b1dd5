//! `kube-gen`: CustomResourceDefinition YAML/JSON → Rust types with `#[derive(CustomResource)]`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use kube_gen::codegen::crd::{self, Source, Version, VersionFilter, VersionOptions};
use kube_gen::codegen::emit::source::{self, SourceOptions};

const EXAMPLES: &str = "\
Examples:
  kube-gen artifacts/crd.yaml                     print the Rust types of every served version
  kube-gen crds/ -o src/crds.rs                   every CRD in a directory, into one file
  kube-gen crd.yaml --out-dir src/api             one module per kind and version, plus mod.rs
  kubectl get crd foos.example.com -o yaml | kube-gen -
  kube-gen crd.yaml --version-filter v1 --derive PartialEq --derive Default --no-docs

Non-CRD documents in a multi-document YAML stream are skipped with a note on stderr.
The generated code needs the crates kube-gen, serde, serde_json, schemars 1 and k8s-openapi.

Exit codes:
  0  the code was generated
  1  an input could not be read, parsed or mapped to Rust (nothing is written)
  2  usage error (unknown option, bad value)";

/// Generates Rust types with `#[derive(CustomResource)]` from CustomResourceDefinitions.
#[derive(Debug, Parser)]
#[command(name = "kube-gen", version, after_help = EXAMPLES)]
struct Cli {
    /// CRD files (YAML, multi-document YAML or JSON), directories of them, or `-` for stdin.
    #[arg(required = true, value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// Write the code to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Write one module per kind and version, plus a `mod.rs`, into DIR.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Which versions to generate: `served` (default), `all`, `storage`, or names (`v1,v2`).
    #[arg(long, value_name = "FILTER", default_value = "served", value_parser = parse_filter)]
    version_filter: VersionFilter,
    /// An extra derive for every generated type (repeatable), e.g. `PartialEq`.
    #[arg(long = "derive", value_name = "EXTRA", value_parser = parse_path)]
    derives: Vec<String>,
    /// Don't turn schema descriptions into doc comments.
    #[arg(long)]
    no_docs: bool,
    /// Leave out status structs and the status subresource.
    #[arg(long)]
    no_status: bool,
}

fn parse_filter(s: &str) -> Result<VersionFilter, String> {
    s.parse()
}

fn parse_path(s: &str) -> Result<String, String> {
    match syn::parse_str::<syn::Path>(s) {
        Ok(_) => Ok(s.to_owned()),
        Err(_) => Err(format!("`{s}` is not a Rust path (like `PartialEq`)")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let sources = read_inputs(&cli.inputs)?;
    let options = VersionOptions {
        filter: cli.version_filter.clone(),
        derives: cli
            .derives
            .iter()
            .map(|d| syn::parse_str(d))
            .collect::<Result<_, _>>()?,
        no_status: cli.no_status,
    };
    let versions = versions(&sources, &options)?;
    if versions.is_empty() {
        bail!("no version matches --version-filter");
    }
    let options = SourceOptions { docs: !cli.no_docs };
    match &cli.out_dir {
        Some(dir) => {
            let files = source::module_files(&versions, &options)?;
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, text) in files {
                write_atomically(&dir.join(name), &text)?;
            }
        }
        None => {
            let text = source::single_file(&versions, &options)?;
            match &cli.output {
                Some(path) => write_atomically(path, &text)?,
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
        }
    }
    Ok(())
}

/// Every version of every CRD; all errors of all inputs are printed before failing.
fn versions(sources: &[Source], options: &VersionOptions) -> anyhow::Result<Vec<Version>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for source in sources {
        let loaded = match crd::load(source) {
            Ok(loaded) => loaded,
            Err(err) => {
                errors.push(err);
                continue;
            }
        };
        for note in &loaded.notes {
            eprintln!("{note}");
        }
        for crd in &loaded.crds {
            match crd::versions(crd, options) {
                Ok(versions) => out.extend(versions),
                Err(errs) => errors.extend(errs),
            }
        }
    }
    if let Some((last, rest)) = errors.split_last() {
        for err in rest {
            eprintln!("error: {err}");
        }
        bail!("{last}");
    }
    Ok(out)
}

/// The inputs in order; a directory stands for its `*.yaml`, `*.yml` and `*.json` files
/// (recursively, sorted by path).
fn read_inputs(inputs: &[PathBuf]) -> anyhow::Result<Vec<Source>> {
    let mut sources = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading stdin")?;
            sources.push(Source {
                name: "<stdin>".into(),
                text,
            });
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
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
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
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Source {
        name: path.display().to_string(),
        text,
    })
}

/// Writes through a temporary file next to `path`, so a failure leaves no half-written file.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".kube-gen-tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}
