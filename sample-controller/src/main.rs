//! sample-controller: reconciles `Foo.spec.replicas` against a Deployment
//! it owns. The controller itself lands with its own issue; until then this
//! binary only says so, and the demo stops after applying the CRD.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("sample-controller is not built yet: `cargo xtask demo` applies the Foo CRD only")
}
