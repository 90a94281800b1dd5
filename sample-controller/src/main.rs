//! sample-controller: reconciles `Foo.spec.replicas` against a Deployment
//! it owns. `sample-controller crd` prints the Foo CRD. The controller itself
//! lands with its own issue; until then running it says so.

fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("crd") => {
            print!("{}", sample_controller::foo::crd_yaml()?);
            Ok(())
        }
        _ => anyhow::bail!(
            "the controller is not built yet; `sample-controller crd` prints the Foo CRD \
             (`cargo xtask demo` applies it)"
        ),
    }
}
