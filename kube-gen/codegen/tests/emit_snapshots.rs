//! Snapshots of the emitter's output (formatted with prettyplease) for representative models.

use kube_gen_codegen::emit;
use kube_gen_codegen::model::{
    Names, PrintColumn, Resource, Scale, SchemaMode, Scope, Validation, VersionFlags,
};
use syn::parse_quote;

fn minimal() -> Resource {
    Resource::new(
        parse_quote!(PolicySpec),
        Names::new("example.com", "v1", "Policy"),
    )
}

fn full() -> Resource {
    let mut names = Names::new("samplecontroller.k8s.io", "v1alpha1", "Foo");
    names.short_names = vec!["fo".into()];
    names.categories = vec!["all".into()];
    let mut r = Resource::new(parse_quote!(FooSpec), names);
    r.scope = Scope::Namespaced;
    r.status = Some(parse_quote!(FooStatus));
    r.scale = Some(Scale {
        spec_replicas_path: ".spec.replicas".into(),
        status_replicas_path: ".status.availableReplicas".into(),
        label_selector_path: Some(".status.selector".into()),
    });
    r.print_columns = vec![PrintColumn {
        name: "Replicas".into(),
        type_: "integer".into(),
        json_path: ".spec.replicas".into(),
        description: None,
        format: None,
        priority: Some(0),
    }];
    r.selectable_fields = vec![".spec.deploymentName".into()];
    r.validations = vec![Validation {
        rule: "self.spec.replicas <= 10".into(),
        message: Some("too many".into()),
        ..Default::default()
    }];
    r.version_flags = VersionFlags {
        served: true,
        storage: false,
        deprecated: Some(Some("use v1".into())),
    };
    r.labels = vec![("app.kubernetes.io/part-of".into(), "sample".into())];
    r.derives = vec![parse_quote!(PartialEq)];
    r.doc = Some("A Foo runs a Deployment.".into());
    r
}

fn pretty(resource: &Resource) -> String {
    emit::pretty(emit::resource(resource)).expect("the emitter produces a valid file")
}

#[test]
fn minimal_cluster_scoped_resource() {
    insta::assert_snapshot!(pretty(&minimal()));
}

#[test]
fn namespaced_resource_with_every_option() {
    insta::assert_snapshot!(pretty(&full()));
}

#[test]
fn disabled_schema_derives_no_json_schema() {
    let mut r = minimal();
    r.schema = SchemaMode::Disabled;
    let out = pretty(&r);
    assert!(!out.contains("JsonSchema"), "{out}");
    assert!(out.contains("preserve_unknown_fields_schema"), "{out}");
}

#[test]
fn fallback_defines_only_the_root_type() {
    let crates = Default::default();
    let tokens = emit::fallback(
        &parse_quote!(FooSpec),
        &parse_quote!(pub),
        Some("Foo"),
        None,
        &crates,
    );
    insta::assert_snapshot!(emit::pretty(tokens).unwrap());
    let nothing = emit::fallback(
        &parse_quote!(FooSpec),
        &parse_quote!(pub),
        Some("not an ident"),
        None,
        &crates,
    );
    assert!(nothing.is_empty());
}
