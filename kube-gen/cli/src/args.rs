//! The command line: kube-gen's own options and kopium's, spelled as kopium spells them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use kube_gen_codegen::crd::VersionFilter;
use kube_gen_codegen::emit::source::TypeDerive;

pub(crate) const EXAMPLES: &str = "\
Examples:
  kube-gen artifacts/crd.yaml                     print the Rust types of every served version
  kube-gen crds/ -o src/crds.rs                   every CRD in a directory, into one file
  kube-gen crd.yaml --out-dir src/api             one module per kind and version, plus mod.rs
  kube-gen --from-cluster foos.samplecontroller.k8s.io -o src/foo.rs
                                                  the CRD as the current kubeconfig's cluster has it
  kubectl get crd foos.example.com -o yaml | kube-gen -
  kube-gen crd.yaml --version-filter v1 -D PartialEq -D @struct=Default --no-docs
  kube-gen -f crd.yaml --api-version v1 -D @enum=Eq -e FooStatus
                                                  kopium's spelling of the same options
  kube-gen list-crds                              the current cluster's CRDs
  kube-gen completions bash > /etc/bash_completion.d/kube-gen

Non-CRD documents in a multi-document YAML stream are skipped with a note on stderr.
The generated code needs the crates kube-gen, serde, serde_json, schemars 1 and k8s-openapi;
with --target kube, kube (feature `derive`) instead of kube-gen.

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
#[command(
    name = "kube-gen",
    version,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub(crate) struct Cli {
    /// CRD files (YAML, multi-document YAML or JSON), directories of them, or `-` for stdin.
    #[arg(value_name = "FILE", required_unless_present_any = ["from_cluster", "filename"])]
    pub(crate) inputs: Vec<PathBuf>,
    /// A CRD file, as kopium takes it (repeatable; the same as a FILE argument).
    #[arg(short = 'f', long, value_name = "FILE")]
    pub(crate) filename: Vec<PathBuf>,
    /// Read the CRD NAME (`<plural>.<group>`) from the cluster of the current kubeconfig
    /// (repeatable; with files too).
    #[arg(long, value_name = "NAME")]
    pub(crate) from_cluster: Vec<String>,
    /// The kubeconfig for --from-cluster (default: $KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "PATH", requires = "from_cluster")]
    pub(crate) kubeconfig: Option<PathBuf>,
    /// Write the code to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "out_dir")]
    pub(crate) output: Option<PathBuf>,
    /// Write one module per kind and version, plus a `mod.rs`, into DIR.
    #[arg(long, value_name = "DIR")]
    pub(crate) out_dir: Option<PathBuf>,
    /// Which versions to generate: `served` (default), `all`, `storage`, or names (`v1,v2`).
    #[arg(long, value_name = "FILTER", default_value = "served", value_parser = parse_filter)]
    pub(crate) version_filter: VersionFilter,
    /// An extra derive (repeatable), in kopium's forms: `PartialEq` for every type,
    /// `FooSpec=PartialEq` for one type, `@struct=Default`, `@enum=Eq` or `@enum:simple=Copy`
    /// for every struct or enum. Derives always written (`Clone`, `Debug`, `JsonSchema`, serde's)
    /// are accepted and not repeated.
    #[arg(short = 'D', long = "derive", value_name = "DERIVE", value_parser = parse_derive)]
    pub(crate) derives: Vec<String>,
    /// Drop `Default` from structs with a field that cannot default (a required date-time,
    /// `Condition` or a type without `Default`), so `-D Default` compiles on any CRD.
    #[arg(long)]
    pub(crate) smart_derive_elision: bool,
    /// Turn schema descriptions into doc comments (the default; kopium's `--docs`).
    #[arg(short = 'd', long, conflicts_with = "no_docs")]
    pub(crate) docs: bool,
    /// Don't turn schema descriptions into doc comments.
    #[arg(long)]
    pub(crate) no_docs: bool,
    /// Leave out status structs and the status subresource.
    #[arg(long)]
    pub(crate) no_status: bool,
    /// Only this version (kopium's spelling of `--version-filter NAME`).
    #[arg(long, value_name = "VERSION", conflicts_with = "version_filter")]
    pub(crate) api_version: Option<String>,
    /// Leave out the `use` lines; the code then needs them where it is included.
    #[arg(long)]
    pub(crate) hide_prelude: bool,
    /// Leave out the generated type of this name, to write it by hand (repeatable).
    #[arg(short = 'e', long, value_name = "NAME")]
    pub(crate) elide: Vec<String>,
    /// Plain serde types: no `CustomResource` derive nor `#[kube(...)]` (so no root type).
    #[arg(long)]
    pub(crate) hide_kube: bool,
    /// The Rust map for `additionalProperties`.
    #[arg(long, value_name = "MAP", default_value = "BTreeMap", value_parser = ["BTreeMap", "HashMap"])]
    pub(crate) map_type: String,
    /// Use a generated struct for `metav1.Condition`-shaped arrays, not k8s-openapi's
    /// `Condition`.
    #[arg(long)]
    pub(crate) no_condition: bool,
    /// Use a generated struct for `corev1.ObjectReference`-shaped objects, not
    /// k8s-openapi's `ObjectReference`.
    #[arg(long)]
    pub(crate) no_object_reference: bool,
    /// Generate for schemas that are not quite structural: an array without `items` becomes
    /// `Vec<serde_json::Value>`, an unknown type `serde_json::Value`, each with a warning.
    #[arg(long)]
    pub(crate) relaxed: bool,
    /// Where the schema comes from: `derived` from the types (default), `manual` (you
    /// implement `JsonSchema` for the root type) or `disabled` (no schema); the last two derive
    /// no `JsonSchema` unless `-D JsonSchema` asks.
    #[arg(long, value_name = "MODE", default_value = "derived", value_parser = ["derived", "manual", "disabled"])]
    pub(crate) schema: String,
    /// `#[derive(TypedBuilder)]` on every struct (needs the typed-builder crate); optional
    /// fields may be left unset.
    #[arg(short = 'b', long)]
    pub(crate) builders: bool,
    /// The derive the output is for: `kube-gen` (default: the CRD is the input's exactly) or
    /// `kube` (kube's own `CustomResource`: needs only kube, k8s-openapi, serde, serde_json
    /// and schemars, as kopium's output does).
    #[arg(long, value_name = "TARGET", default_value = "kube-gen", value_parser = ["kube-gen", "kube"])]
    pub(crate) target: String,
    /// kopium's `--auto`: docs and `--schema derived`, what kube-gen does by default.
    #[arg(short = 'A', long)]
    pub(crate) auto: bool,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// What kube-gen does besides generating code.
#[derive(Debug, Clone, Subcommand)]
pub(crate) enum Command {
    /// Print the names of the cluster's CRDs, one per line (the current kubeconfig's cluster).
    ListCrds {
        /// The kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster).
        #[arg(long, value_name = "PATH")]
        kubeconfig: Option<PathBuf>,
    },
    /// Print a completion script for SHELL (bash, elvish, fish, powershell, zsh).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
}

pub(crate) fn parse_filter(s: &str) -> Result<VersionFilter, String> {
    s.parse()
}

/// Checks a `--derive` value; it is parsed again for use (a `syn::Path` cannot cross threads).
fn parse_derive(s: &str) -> Result<String, String> {
    s.parse::<TypeDerive>()
        .map(|_| s.to_owned())
        .map_err(|err| err.to_string())
}
