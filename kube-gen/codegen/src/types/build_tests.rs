//! One test per schema → type mapping rule.

use serde_json::json;

use super::*;

/// Builds the types of a root whose spec has the given properties (and `required`).
fn spec(properties: Value, required: &[&str]) -> TypeSet {
    root(json!({
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": properties, "required": required}},
    }))
}

/// Builds the types of the root schema `root` of kind `Foo`, with its status.
fn root(root: Value) -> TypeSet {
    let root: JSONSchemaProps = serde_json::from_value(root).unwrap();
    let options = BuildOptions::new("Foo");
    build(&root, &options).unwrap()
}

/// The field `json` of the struct `name`.
fn field_of<'a>(types: &'a TypeSet, name: &str, json: &str) -> &'a Field {
    let item = types.items.iter().find(|i| i.name() == name).unwrap();
    let Item::Struct(s) = item else {
        panic!("{name} is not a struct")
    };
    s.fields.iter().find(|f| f.json_name == json).unwrap()
}

fn ty(schema: Value) -> Type {
    field_of(&spec(json!({"x": schema}), &["x"]), "FooSpec", "x")
        .ty
        .clone()
}

#[test]
fn integers_follow_their_format() {
    assert_eq!(ty(json!({"type": "integer", "format": "int32"})), Type::I32);
    assert_eq!(ty(json!({"type": "integer", "format": "int64"})), Type::I64);
    assert_eq!(ty(json!({"type": "integer"})), Type::I64);
}

#[test]
fn numbers_booleans_and_strings_map_to_primitives() {
    assert_eq!(ty(json!({"type": "number"})), Type::F64);
    assert_eq!(ty(json!({"type": "boolean"})), Type::Bool);
    assert_eq!(ty(json!({"type": "string"})), Type::String);
    assert_eq!(
        ty(json!({"type": "string", "format": "byte"})),
        Type::String
    );
}

#[test]
fn date_time_strings_are_k8s_time() {
    assert_eq!(
        ty(json!({"type": "string", "format": "date-time"})),
        Type::Time
    );
}

#[test]
fn int_or_string_and_preserved_values_use_k8s_and_json_types() {
    let int_or_string = json!({"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]});
    assert_eq!(ty(int_or_string), Type::IntOrString);
    assert_eq!(
        ty(json!({"x-kubernetes-preserve-unknown-fields": true})),
        Type::Json
    );
    assert_eq!(
        ty(json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})),
        Type::Json
    );
}

#[test]
fn preserved_objects_with_properties_keep_a_map_of_unknown_fields() {
    let types = spec(
        json!({"x": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
        "properties": {"known": {"type": "string"}}}}),
        &[],
    );
    let Item::Struct(x) = &types.items[1] else {
        panic!()
    };
    assert_eq!(x.name, "FooSpecX");
    assert_eq!(x.extra_fields.as_deref(), Some("extra_fields"));
    assert!(types.uses_map());
}

#[test]
fn additional_properties_are_string_maps() {
    let map = ty(json!({"type": "object", "additionalProperties": {"type": "string"}}));
    assert_eq!(map, Type::Map(Box::new(Type::String)));
    let nested = ty(
        json!({"type": "object", "additionalProperties": {"type": "object", "properties": {"a": {"type": "boolean"}}}}),
    );
    assert_eq!(nested, Type::Map(Box::new(Type::Named("FooSpecX".into()))));
}

#[test]
fn a_bare_object_is_an_empty_struct_and_additional_properties_true_a_json_map() {
    // The API server prunes every field of a bare `type: object`, so nothing can be in it.
    let types = spec(json!({"none": {"type": "object"}}), &[]);
    let none = field_of(&types, "FooSpec", "none");
    assert_eq!(none.ty, Type::Named("FooSpecNone".into()));
    let item = types
        .items
        .iter()
        .find(|i| i.name() == "FooSpecNone")
        .unwrap();
    assert!(matches!(item, Item::Struct(s) if s.fields.is_empty() && s.extra_fields.is_none()));
    let any = ty(json!({"type": "object", "additionalProperties": true}));
    assert_eq!(any, Type::Map(Box::new(Type::Json)));
}

#[test]
fn string_enums_become_rust_enums() {
    let types = spec(
        json!({"policy": {"type": "string", "enum": ["Always", "if-not-present", ""]}}),
        &[],
    );
    let Item::Enum(e) = &types.items[1] else {
        panic!()
    };
    assert_eq!(e.name, "FooSpecPolicy");
    let names: Vec<_> = e
        .variants
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Always", "Always"),
            ("IfNotPresent", "if-not-present"),
            ("Empty", "")
        ]
    );
}

#[test]
fn arrays_of_objects_get_a_struct_named_after_the_field() {
    let t = ty(
        json!({"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}),
    );
    assert_eq!(t, Type::Vec(Box::new(Type::Named("FooSpecX".into()))));
}

#[test]
fn embedded_resources_are_json_values_that_keep_the_marker() {
    let types = spec(
        json!({"x": {"type": "object", "x-kubernetes-embedded-resource": true,
        "x-kubernetes-preserve-unknown-fields": true}}),
        &[],
    );
    let x = field_of(&types, "FooSpec", "x");
    assert_eq!(x.ty, Type::Json);
    assert_eq!(
        x.extend,
        [
            ("type".to_owned(), json!("object")),
            (
                "x-kubernetes-preserve-unknown-fields".to_owned(),
                json!(true)
            ),
            ("x-kubernetes-embedded-resource".to_owned(), json!(true)),
        ]
    );
}

#[test]
fn cel_rules_and_map_types_of_an_object_go_on_its_struct_not_the_field() {
    let rules = json!([{"rule": "has(self.a)", "message": "a is required"}]);
    let types = spec(
        json!({"x": {"type": "array", "x-kubernetes-list-type": "atomic", "items": {
            "type": "object", "x-kubernetes-map-type": "atomic",
            "x-kubernetes-validations": rules.clone(),
            "properties": {"a": {"type": "string"}}}}}),
        &[],
    );
    let x = field_of(&types, "FooSpec", "x");
    assert_eq!(
        x.extend,
        [("x-kubernetes-list-type".to_owned(), json!("atomic"))]
    );
    let Some(Item::Struct(item)) = types.items.iter().find(|i| i.name() == "FooSpecX") else {
        panic!("no FooSpecX in {types:?}");
    };
    assert_eq!(
        item.extend,
        [
            ("x-kubernetes-map-type".to_owned(), json!("atomic")),
            ("x-kubernetes-validations".to_owned(), rules),
        ]
    );
}

#[test]
fn a_preserved_object_without_properties_keeps_everything_as_such() {
    let types = build(
        &serde_json::from_value(json!({"type": "object", "properties": {
            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}))
        .unwrap(),
        &BuildOptions::new("Foo"),
    )
    .unwrap();
    let Item::Struct(spec) = &types.items[0] else {
        panic!("the spec is a struct");
    };
    assert_eq!(spec.extra_fields.as_deref(), Some("extra_fields"));
    assert_eq!(
        spec.extend,
        [
            (
                "x-kubernetes-preserve-unknown-fields".to_owned(),
                json!(true)
            ),
            ("additionalProperties".to_owned(), Value::Null),
        ]
    );
}

#[test]
fn nullable_and_optional_fields_are_options_and_required_ones_are_not() {
    let types = spec(
        json!({"a": {"type": "string"}, "b": {"type": "string"},
        "c": {"type": "string", "nullable": true}}),
        &["a", "c"],
    );
    assert!(!field_of(&types, "FooSpec", "a").is_option());
    assert!(field_of(&types, "FooSpec", "b").is_option());
    assert!(field_of(&types, "FooSpec", "c").is_option());
}

#[test]
fn defaults_stay_in_the_schema_and_their_fields_optional() {
    let types = spec(
        json!({"a": {"type": "integer", "default": 0}, "b": {"type": "integer", "default": 3}}),
        &[],
    );
    let (a, b) = (
        field_of(&types, "FooSpec", "a"),
        field_of(&types, "FooSpec", "b"),
    );
    // both stay optional: writing a default would claim the field under server-side apply
    assert!(a.is_option() && b.is_option());
    assert_eq!(a.extend[0], ("default".to_owned(), json!(0)));
    // an integer without `format`: schemars' `int64` is taken back
    assert_eq!(
        b.extend,
        [
            ("default".to_owned(), json!(3)),
            ("format".to_owned(), Value::Null)
        ]
    );
}

#[test]
fn one_of_required_sets_keep_the_struct() {
    let types = spec(
        json!({"x": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}}),
        &[],
    );
    assert_eq!(
        field_of(&types, "FooSpec", "x").ty,
        Type::Named("FooSpecX".into())
    );
    assert_eq!(types.items.len(), 2);
}

#[test]
fn standard_conditions_become_k8s_conditions_and_others_do_not() {
    let standard = json!({"type": "object", "required": ["lastTransitionTime", "message", "reason", "status", "type"],
        "properties": {"lastTransitionTime": {"type": "string", "format": "date-time"}, "message": {"type": "string"},
        "observedGeneration": {"type": "integer"}, "reason": {"type": "string"}, "status": {"type": "string"},
        "type": {"type": "string"}}});
    let t = ty(json!({"type": "array", "items": standard}));
    assert_eq!(t, Type::Vec(Box::new(Type::Condition)));
    let custom =
        json!({"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}});
    assert_eq!(
        ty(json!({"type": "array", "items": custom})),
        Type::Vec(Box::new(Type::Named("FooSpecX".into())))
    );
}

/// The type of property `x` of the spec, built with `options`.
fn ty_with(schema: Value, options: &BuildOptions) -> Result<Type, Vec<SchemaError>> {
    let root: JSONSchemaProps = serde_json::from_value(json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"x": schema}, "required": ["x"]}}}))
    .unwrap();
    let types = build(&root, options)?;
    Ok(field_of(&types, "FooSpec", "x").ty.clone())
}

#[test]
fn object_references_become_k8s_object_references_unless_turned_off() {
    let string = json!({"type": "string"});
    let properties: serde_json::Map<String, Value> = OBJECT_REFERENCE_PROPERTIES
        .iter()
        .map(|n| ((*n).to_owned(), string.clone()))
        .collect();
    let reference = json!({"type": "object", "properties": properties,
        "x-kubernetes-map-type": "atomic"});
    assert_eq!(ty(reference.clone()), Type::ObjectReference);
    let list = json!({"type": "array", "items": reference});
    assert_eq!(ty(list), Type::Vec(Box::new(Type::ObjectReference)));
    let off = BuildOptions {
        object_references: false,
        ..BuildOptions::new("Foo")
    };
    assert_eq!(
        ty_with(reference.clone(), &off).unwrap(),
        Type::Named("FooSpecX".into())
    );
    // one property short, one required, or one not a string: a struct of its own
    let mut short = reference.clone();
    short["properties"].as_object_mut().unwrap().remove("uid");
    let mut required = reference.clone();
    required["required"] = json!(["name"]);
    let mut typed = reference;
    typed["properties"]["uid"] = json!({"type": "integer"});
    for other in [short, required, typed] {
        assert_eq!(ty(other), Type::Named("FooSpecX".into()));
    }
}

#[test]
fn no_condition_generates_a_struct_for_conditions() {
    let standard = json!({"type": "object", "required": ["lastTransitionTime", "message", "reason", "status", "type"],
        "properties": {"lastTransitionTime": {"type": "string", "format": "date-time"}, "message": {"type": "string"},
        "reason": {"type": "string"}, "status": {"type": "string"}, "type": {"type": "string"}}});
    let off = BuildOptions {
        conditions: false,
        ..BuildOptions::new("Foo")
    };
    assert_eq!(
        ty_with(json!({"type": "array", "items": standard}), &off).unwrap(),
        Type::Vec(Box::new(Type::Named("FooSpecX".into())))
    );
}

#[test]
fn relaxed_turns_unmappable_nodes_into_json_with_warnings() {
    let relaxed = BuildOptions {
        relaxed: true,
        ..BuildOptions::new("Foo")
    };
    let strict = BuildOptions::new("Foo");
    for (schema, loose) in [
        (json!({"type": "array"}), Type::Vec(Box::new(Type::Json))),
        (json!({"type": "any"}), Type::Json),
        (
            json!({"type": "array", "items": [{"type": "string"}]}),
            Type::Json,
        ),
    ] {
        assert!(ty_with(schema.clone(), &strict).is_err(), "{schema}");
        assert_eq!(
            ty_with(schema.clone(), &relaxed).unwrap(),
            loose,
            "{schema}"
        );
    }
    let root: JSONSchemaProps = serde_json::from_value(json!({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"a": {"type": "array"}}}}}))
    .unwrap();
    let warnings = build(&root, &relaxed).unwrap().warnings;
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].pointer, "/properties/spec/properties/a");
}

#[test]
fn keywords_invalid_names_and_case_collisions_are_renamed() {
    let types = spec(
        json!({"type": {"type": "string"}, "ref": {"type": "string"}, "$ref": {"type": "string"},
        "x-foo": {"type": "string"}, "1st": {"type": "string"}, "@type": {"type": "string"},
        "fooBar": {"type": "string"}, "foo_bar": {"type": "string"}}),
        &[],
    );
    let names: Vec<(&str, &str)> = [
        "type", "ref", "$ref", "x-foo", "1st", "@type", "fooBar", "foo_bar",
    ]
    .iter()
    .map(|j| (*j, field_of(&types, "FooSpec", j).name.as_str()))
    .collect();
    // properties are visited in sorted JSON order, so the first of a colliding pair wins
    assert_eq!(
        names,
        [
            ("type", "type_2"),
            ("ref", "ref_2"),
            ("$ref", "ref_"),
            ("x-foo", "x_foo"),
            ("1st", "_1st"),
            ("@type", "type_"),
            ("fooBar", "foo_bar"),
            ("foo_bar", "foo_bar_2")
        ]
    );
}

#[test]
fn nested_type_names_are_unique_and_avoid_reserved_names() {
    let types = spec(
        json!({"a": {"type": "object", "properties": {"b": {"type": "object", "properties": {"c": {"type": "string"}}}}},
        "aB": {"type": "object", "properties": {"d": {"type": "string"}}}}),
        &[],
    );
    let names: Vec<&str> = types.items.iter().map(Item::name).collect();
    assert_eq!(names, ["FooSpec", "FooSpecA", "FooSpecAB", "FooSpecAB2"]);
}

#[test]
fn unmappable_nodes_are_all_reported_with_their_pointer() {
    let root: JSONSchemaProps = serde_json::from_value(
        json!({"type": "object", "properties": {"spec": {"type": "object",
        "properties": {"a": {"type": "array"}, "b": {"type": "wat"}}}}}),
    )
    .unwrap();
    let errors = build(&root, &BuildOptions::new("Foo")).unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/properties/spec/properties/a",
            "/properties/spec/properties/b"
        ]
    );
}

#[test]
fn a_root_without_spec_puts_its_own_fields_in_a_fields_struct() {
    let types = root(json!({
        "type": "object",
        "required": ["metadata", "driver"],
        "x-kubernetes-validations": [{"rule": "true"}],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "driver": {"type": "string"},
            "status": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
        },
    }));
    assert!(types.root_fields);
    assert_eq!(types.spec, "FooFields");
    assert_eq!(types.status.as_deref(), Some("FooStatus"));
    let Some(Item::Struct(fields)) = types.items.first() else {
        panic!("{types:?}");
    };
    let names: Vec<_> = fields.fields.iter().map(|f| f.json_name.as_str()).collect();
    assert_eq!(
        names,
        ["driver"],
        "apiVersion, kind, metadata and status are the root's own"
    );
    assert!(field_of(&types, "FooFields", "driver").required);
    assert!(
        fields.extend.is_empty(),
        "root CEL rules go to #[kube(validation)]"
    );
}

#[test]
fn not_and_all_of_validations_are_kept_on_the_struct() {
    let types = spec(
        json!({"x": {"type": "object", "not": {"required": ["a", "b"]},
                     "allOf": [{"required": ["a"]}],
                     "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}}),
        &[],
    );
    let Some(Item::Struct(item)) = types.items.iter().find(|i| i.name() == "FooSpecX") else {
        panic!("no FooSpecX in {types:?}");
    };
    assert_eq!(
        item.extend,
        [
            ("not".to_owned(), json!({"required": ["a", "b"]})),
            ("allOf".to_owned(), json!([{"required": ["a"]}])),
        ]
    );
    assert!(field_of(&types, "FooSpec", "x").extend.is_empty());
}

#[test]
fn keywords_the_type_has_no_say_in_are_kept_verbatim() {
    let types = spec(
        json!({
            "values": {"type": "array", "items": {"type": "string"}, "maxLength": 63, "pattern": "^a$"},
            "hooks": {"type": "array", "x-kubernetes-preserve-unknown-fields": true,
                "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 100},
            "step": {"type": "number", "multipleOf": 0.5, "minimum": 0, "exclusiveMinimum": true},
        }),
        &[],
    );
    let kept = |json: &str| {
        let mut keys: Vec<String> = field_of(&types, "FooSpec", json)
            .extend
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(kept("values"), ["maxLength", "pattern"]);
    assert!(kept("hooks").contains(&"x-kubernetes-preserve-unknown-fields".to_owned()));
    assert_eq!(kept("labels"), ["maxProperties"]);
    assert_eq!(kept("step"), ["exclusiveMinimum", "format", "multipleOf"]);
}

#[test]
fn root_properties_beside_spec_make_root_fields_named_after_the_kind() {
    let types = root(
        json!({"type": "object", "required": ["spec"], "properties": {
            "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": {"a": {"type": "string"}}},
            "operation": {"type": "object", "properties": {"b": {"type": "string"}}},
            "status": {"type": "object", "default": {"n": -1}, "properties": {"n": {"type": "integer"}}},
        }}),
    );
    assert!(types.root_fields);
    assert_eq!(types.spec, "FooFields");
    assert_eq!(
        field_of(&types, "FooFields", "spec").ty,
        Type::Named("FooSpec".into())
    );
    assert!(field_of(&types, "FooFields", "spec").required);
    let operation = &field_of(&types, "FooFields", "operation").ty;
    assert_eq!(operation, &Type::Named("FooOperation".into()));
    // The status is the root's own, and its struct carries the status's default.
    assert_eq!(types.status.as_deref(), Some("FooStatus"));
    let Some(Item::Struct(status)) = types.items.iter().find(|i| i.name() == "FooStatus") else {
        panic!("no FooStatus")
    };
    assert_eq!(status.extend, [("default".to_owned(), json!({"n": -1}))]);
}

#[test]
fn number_enums_examples_and_enum_lengths_are_kept() {
    let types = spec(
        json!({
            "code": {"type": "integer", "enum": [301, 302]},
            "zone": {"type": "string", "example": "eu-1"},
            "kind": {"type": "string", "enum": ["a", "b"], "minLength": 1},
        }),
        &[],
    );
    let kept = |json: &str| field_of(&types, "FooSpec", json).extend.clone();
    assert_eq!(
        kept("code"),
        [
            ("format".to_owned(), Value::Null),
            ("enum".to_owned(), json!([301, 302]))
        ]
    );
    assert_eq!(kept("zone"), [("example".to_owned(), json!("eu-1"))]);
    assert_eq!(kept("kind"), [("minLength".to_owned(), json!(1))]);
}
