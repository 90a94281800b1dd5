//! Default CRD names (plural, singular), the naming rules the apiserver enforces, and the
//! Rust name of the root type when the kind can't be it.
//!
//! The checks return a message that says what to do; the derive attaches it to the offending
//! token and the CLI to a file position.

/// The default plural of a kind: lowercase, with the English rules kube uses
/// (`Foo` → `foos`, `Policy` → `policies`, `Box` → `boxes`, `Endpoints` → `endpoints`).
pub fn default_plural(kind: &str) -> String {
    let word = kind.to_ascii_lowercase();
    if word == "endpoints" || word == "endpointslices" {
        return word;
    }
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| word.ends_with(end))
    {
        return format!("{word}es");
    }
    if let Some(stem) = word.strip_suffix('y')
        && stem
            .chars()
            .last()
            .is_some_and(|c| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u'))
    {
        return format!("{stem}ies");
    }
    format!("{word}s")
}

/// The default singular of a kind: the kind in lowercase.
pub fn default_singular(kind: &str) -> String {
    kind.to_ascii_lowercase()
}

/// Checks that `group` is a DNS-1123 subdomain with at least one dot, as CRDs require.
///
/// # Errors
///
/// A message saying what is wrong and how to fix it, if `group` is empty, longer than 253
/// characters, has no dot, or has a part that is not a DNS-1123 label.
///
/// # Examples
///
/// ```
/// use kube_gen_codegen::names::check_group;
///
/// assert!(check_group("samplecontroller.k8s.io").is_ok());
/// assert!(check_group("example").unwrap_err().contains("at least one dot"));
/// ```
pub fn check_group(group: &str) -> Result<(), String> {
    if group.is_empty() {
        return Err(
            "the group must not be empty; use a domain you own, like \"example.com\"".into(),
        );
    }
    if group.len() > 253 {
        return Err(format!("group `{group}` is longer than 253 characters"));
    }
    if !group.contains('.') {
        return Err(format!(
            "group `{group}` must be a domain with at least one dot, like \"{group}.example.com\""
        ));
    }
    for label in group.split('.') {
        check_label(label, false)
            .map_err(|why| format!("group `{group}` is not a DNS-1123 subdomain: {why}"))?;
    }
    Ok(())
}

/// Checks that `version` looks like a Kubernetes version: `v1`, `v1beta2`, `v2alpha1`.
///
/// # Errors
///
/// A message naming the expected shape, if `version` is anything else (`1`, `v01`,
/// `v1gamma1`, `v1beta`).
pub fn check_version(version: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "version `{version}` must look like `v1`, `v1beta2` or `v2alpha1` (v<major>[alpha|beta<minor>])"
        )
    };
    let rest = version.strip_prefix('v').ok_or_else(bad)?;
    let major_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (major, rest) = rest.split_at(major_end);
    if major.is_empty() || major.starts_with('0') {
        return Err(bad());
    }
    if rest.is_empty() {
        return Ok(());
    }
    let minor = rest
        .strip_prefix("alpha")
        .or_else(|| rest.strip_prefix("beta"))
        .ok_or_else(bad)?;
    if minor.is_empty() || minor.starts_with('0') || !minor.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    Ok(())
}

/// Checks that `kind` is one the apiserver accepts: lowercased, a DNS-1035 label. So `Foo`
/// and `CronTab`, but also `postgresql` or `my-kind` (which then can't name the root type;
/// see [`is_type_name`]).
///
/// # Errors
///
/// A message saying what is wrong, if `kind` is empty, longer than 63 characters, contains
/// anything but ASCII letters, digits and `-`, does not start with a letter or ends with `-`.
pub fn check_kind(kind: &str) -> Result<(), String> {
    if kind.is_empty() {
        return Err("the kind must not be empty; use an UpperCamelCase name, like \"Foo\"".into());
    }
    if kind.len() > 63 {
        return Err(format!("kind `{kind}` is longer than 63 characters"));
    }
    if let Some(c) = kind
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "`{c}` is not allowed in kind `{kind}`; use ASCII letters, digits and `-`, like \"CronTab\""
        ));
    }
    if !kind.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!(
            "kind `{kind}` must start with a letter, like \"Foo\""
        ));
    }
    if kind.ends_with('-') {
        return Err(format!("kind `{kind}` must end with a letter or digit"));
    }
    Ok(())
}

/// Whether `name` can name the root type as it is: UpperCamelCase ASCII (`Foo`, `CronTab2`).
///
/// The root type is named after the kind unless `struct = "..."` says otherwise; kinds such
/// as `postgresql` need that.
pub fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name != "Self"
}

/// The Rust name of the root type for `kind`: the kind itself when [`is_type_name`], else its
/// UpperCamelCase form (`postgresql` → `Postgresql`, `my-kind` → `MyKind`).
///
/// Agrees with the CLI's `types::ident::type_name`, so the derive suggests the name the CLI
/// emits.
pub fn root_type_name(kind: &str) -> String {
    if is_type_name(kind) {
        return kind.to_owned();
    }
    let camel: String = kind
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    match camel.as_str() {
        "" => "Empty".to_owned(),
        "Self" => "Self_".to_owned(),
        _ if camel.starts_with(|c: char| c.is_ascii_digit()) => format!("_{camel}"),
        _ => camel,
    }
}

/// Checks `struct = "..."`, the name of the root type: a Rust identifier, not a keyword.
///
/// # Errors
///
/// A message with an UpperCamelCase suggestion, if `name` is not a plain identifier.
pub fn check_type_name(name: &str) -> Result<(), String> {
    if !name.starts_with("r#") && syn::parse_str::<syn::Ident>(name).is_ok() {
        return Ok(());
    }
    Err(format!(
        "`{name}` can't name the root type: it must be a Rust identifier and not a keyword, like \"{}\"",
        root_type_name(name)
    ))
}

/// Checks a plural, singular, short name or category: a lowercase DNS-1035 label.
///
/// `what` names the value in the message (`"plural"`, `"short name"`).
///
/// # Errors
///
/// A message naming `what` and the rule broken, if `name` is empty, longer than 63
/// characters, contains anything but `[a-z0-9-]`, or does not start with a letter and end
/// with a letter or digit.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    check_label(name, true)
        .map_err(|why| format!("{what} `{name}` is not a lowercase DNS-1035 label: {why}"))
}

/// A DNS label: 1-63 of `[a-z0-9-]`, starting (with a letter when `dns1035`) and ending alphanumeric.
fn check_label(label: &str, dns1035: bool) -> Result<(), String> {
    if label.is_empty() {
        return Err("it has an empty part".into());
    }
    if label.len() > 63 {
        return Err(format!("`{label}` is longer than 63 characters"));
    }
    if let Some(c) = label
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "`{c}` is not allowed; use lowercase letters, digits and `-`"
        ));
    }
    let first = label.as_bytes()[0];
    if dns1035 && !first.is_ascii_lowercase() {
        return Err("it must start with a lowercase letter".into());
    }
    if first == b'-' || label.ends_with('-') {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_follows_english_rules() {
        let cases = [
            ("Foo", "foos"),
            ("Policy", "policies"),
            ("Gateway", "gateways"),
            ("Box", "boxes"),
            ("Status", "statuses"),
            ("Match", "matches"),
            ("Mesh", "meshes"),
            ("Quiz", "quizes"),
            ("Endpoints", "endpoints"),
            ("CronTab", "crontabs"),
        ];
        for (kind, plural) in cases {
            assert_eq!(default_plural(kind), plural, "plural of {kind}");
        }
        assert_eq!(default_singular("CronTab"), "crontab");
    }

    #[test]
    fn group_must_be_a_dotted_dns_subdomain() {
        assert!(check_group("example.com").is_ok());
        assert!(check_group("samplecontroller.k8s.io").is_ok());
        assert!(
            check_group("example")
                .unwrap_err()
                .contains("at least one dot")
        );
        assert!(
            check_group("Example.com")
                .unwrap_err()
                .contains("`E` is not allowed")
        );
        assert!(check_group("example..com").is_err());
        assert!(check_group("-example.com").is_err());
        assert!(check_group("").is_err());
    }

    #[test]
    fn version_matches_the_kubernetes_version_pattern() {
        for ok in ["v1", "v2", "v10", "v1beta1", "v2alpha3", "v1beta10"] {
            assert!(check_version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1", "v", "v0", "V1", "v1beta", "v1gamma1", "v1beta01", "v1.2", "v01",
        ] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kind_is_what_the_apiserver_accepts() {
        for ok in ["Foo", "CronTab2", "postgresql", "my-kind", "a", "FOO-1"] {
            assert!(check_kind(ok).is_ok(), "{ok}");
        }
        assert!(check_kind(&"A".repeat(63)).is_ok());
        let cases = [
            ("", "must not be empty"),
            ("Foo_Bar", "`_` is not allowed"),
            ("Foo.Bar", "`.` is not allowed"),
            ("Füü", "`ü` is not allowed"),
            ("1Foo", "must start with a letter"),
            ("-foo", "must start with a letter"),
            ("foo-", "must end with a letter or digit"),
        ];
        for (bad, why) in cases {
            let err = check_kind(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        assert!(
            check_kind(&"A".repeat(64))
                .unwrap_err()
                .contains("longer than 63")
        );
    }

    #[test]
    fn only_upper_camel_case_kinds_name_the_root_type() {
        for ok in ["Foo", "CronTab2", "FOO"] {
            assert!(is_type_name(ok), "{ok}");
            assert_eq!(root_type_name(ok), ok);
        }
        for bad in ["postgresql", "my-kind", "Foo-Bar", "Self", ""] {
            assert!(!is_type_name(bad), "{bad}");
        }
        assert_eq!(root_type_name("postgresql"), "Postgresql");
        assert_eq!(root_type_name("my-kind"), "MyKind");
        assert_eq!(root_type_name("fooBar"), "FooBar");
        assert_eq!(root_type_name("self"), "Self_");
    }

    #[test]
    fn root_type_name_agrees_with_the_cli_type_name() {
        let kinds = [
            "postgresql",
            "my-kind",
            "Foo-Bar",
            "x-1",
            "a--b",
            "HTTPRoute",
            "podIPs",
            "self",
            "1st",
            "",
            "-",
            "tls1.2",
        ];
        for kind in kinds {
            let name = root_type_name(kind);
            assert_eq!(name, crate::types::ident::type_name(kind), "{kind}");
            assert!(check_type_name(&name).is_ok(), "{kind} → {name}");
        }
    }

    #[test]
    fn struct_must_be_a_rust_identifier() {
        for ok in ["Postgresql", "MyKind", "Foo_2", "lower"] {
            assert!(check_type_name(ok).is_ok(), "{ok}");
        }
        for bad in ["my-kind", "Self", "struct", "r#Foo", "", "1Foo", "Foo Bar"] {
            assert!(check_type_name(bad).is_err(), "{bad}");
        }
        assert!(
            check_type_name("my-kind")
                .unwrap_err()
                .contains("like \"MyKind\"")
        );
    }

    #[test]
    fn names_are_lowercase_dns_1035_labels() {
        assert!(check_name("plural", "foos").is_ok());
        assert!(check_name("plural", "cron-tabs").is_ok());
        assert!(check_name("plural", "Foos").is_err());
        assert!(check_name("plural", "1foos").is_err());
        assert!(check_name("short name", "f_o").is_err());
    }
}
