//! Generates `$OUT_DIR/crds.rs` from every CRD in `crds/`; Cargo runs this again when a file
//! in `crds/` changes or one is added.

fn main() -> Result<(), kube_gen_codegen::GenerateError> {
    kube_gen_codegen::Builder::new()
        .crd("crds")
        .derive("PartialEq")
        .generate()?;
    Ok(())
}
