//! Snapshots of the emitter's output (formatted with prettyplease) for representative models.

use kube_gen_codegen::emit;
use kube_gen_codegen::model::{
    Names, PrintColumn, Resource, Rule, Scale, SchemaMode, Scope, Validation, VersionFlags,
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
    r.validations = vec![
        Rule::Fields(Validation {
            rule: "self.spec.replicas <= 10".into(),
            message: Some("too many".into()),
            ..Default::default()
        }),
        Rule::Expr(parse_quote!(
            Rule::new("self == oldSelf").message("immutable")
        )),
    ];
    r.cel = true;
    r.version_flags = VersionFlags {
        served: true,
        storage: false,
        deprecated: Some(Some("use v1".into())),
    };
    r.labels = vec![("app.kubernetes.io/part-of".into(), "sample".into())];
    r.annotations = vec![("example.com/owner".into(), "me".into())];
    r.derives = vec![parse_quote!(PartialEq)];
    r.attrs = vec![parse_quote!(allow(deprecated))];
    r.facades = true;
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
fn facades_are_opt_in() {
    let mut r = minimal();
    assert!(!pretty(&r).contains("PolicyClient"));
    r.facades = true;
    let out = pretty(&r);
    for facade in ["PolicyClient", "PolicyLister", "PolicyInformer"] {
        assert!(out.contains(&format!("pub type {facade}")), "{out}");
    }
}

#[test]
fn overridden_crate_paths_are_used() {
    let mut r = minimal();
    r.crates = kube_gen_codegen::model::Crates::new(kube_gen_codegen::model::CrateOverrides {
        kube_core: Some(parse_quote!(::kube::core)),
        std: Some(parse_quote!(::my_std)),
        ..Default::default()
    });
    let out = pretty(&r);
    assert!(
        out.contains("impl ::kube::core::object::HasSpec for Policy"),
        "{out}"
    );
    assert!(out.contains("::my_std::string::String::from"), "{out}");
    assert!(!out.contains("::std::"), "{out}");
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
