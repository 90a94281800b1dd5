//! apimachinery's checks on label keys, label values and requirements, with its error texts.
//!
//! Ports `validation.IsQualifiedName`, `validation.IsValidLabelValue` and
//! `labels.NewRequirement`; the messages are built the way `field.Error` and
//! `utilerrors.Aggregate` print them, so they read exactly as client-go's.

use super::{Operator, Requirement};

const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX_LENGTH: usize = 63;

const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX_LENGTH: usize = 63;

const DNS1123_SUBDOMAIN_FMT: &str =
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

/// The field path `labels.NewRequirement` reports against when called without a path.
pub(super) const NIL_PATH: &str = "<nil>";

/// `validation.RegexError`.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut out = format!("{msg} (e.g. ");
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!("'{example}', "));
    }
    out.push_str(&format!("regex used for validation is '{fmt}')"));
    out
}

/// `validation.MaxLenError`.
fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// `validation.EmptyError`.
const EMPTY_ERROR: &str = "must be non-empty";

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
fn is_qualified_name_part(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`.
fn is_dns1123_subdomain_shape(value: &str) -> bool {
    let label_char = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    value.split('.').all(|label| {
        let bytes = label.as_bytes();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                label_char(first)
                    && label_char(last)
                    && bytes.iter().all(|b| label_char(b) || *b == b'-')
            }
            _ => false,
        }
    })
}

/// `validation.IsDNS1123Subdomain`.
fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !is_dns1123_subdomain_shape(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `validation.IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a name of at
/// most 63 characters.
pub(super) fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push(format!("prefix part {EMPTY_ERROR}"));
            } else {
                errs.extend(
                    is_dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|msg| format!("prefix part {msg}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_ERR_MSG,
                    QUALIFIED_NAME_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push(format!("name part {EMPTY_ERROR}"));
    } else if name.len() > QUALIFIED_NAME_MAX_LENGTH {
        errs.push(format!(
            "name part {}",
            max_len_error(QUALIFIED_NAME_MAX_LENGTH)
        ));
    }
    if !is_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// `validation.IsValidLabelValue`: empty, or at most 63 characters of the qualified-name shape.
pub(super) fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !is_qualified_name_part(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// A `field.Error`'s bad value, printed the way `ErrorBody` prints it.
pub(super) enum BadValue<'a> {
    /// A string, printed with `%q`.
    Str(&'a str),
    /// A `[]string`, printed as JSON (`null` when empty: `NewRequirement` gets a nil slice).
    List(&'a [String]),
}

/// `field.Invalid(path, value, detail).Error()`.
pub(super) fn invalid(field: &str, value: BadValue<'_>, detail: &str) -> String {
    let value = match value {
        BadValue::Str(s) => go_quote(s),
        BadValue::List([]) => "null".to_owned(),
        BadValue::List(values) => go_json(values),
    };
    format!("{field}: Invalid value: {value}: {detail}")
}

/// `validateLabelKey`: the key's errors joined with `"; "`, reported against `field`.
pub(super) fn validate_label_key(key: &str, field: &str) -> Result<(), String> {
    let errs = is_qualified_name(key);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(invalid(field, BadValue::Str(key), &errs.join("; ")))
    }
}

/// `labels.NewRequirement` without a path: checks the key, the number of values for the
/// operator, integers for `gt`/`lt`, and every value; all the errors are reported together.
pub(super) fn new_requirement(
    key: &str,
    operator: Operator,
    values: Vec<String>,
) -> Result<Requirement, String> {
    let mut errs = Vec::new();
    if let Err(err) = validate_label_key(key, "key") {
        errs.push(err);
    }
    let list = BadValue::List(&values);
    match operator {
        Operator::In | Operator::NotIn => {
            if values.is_empty() {
                errs.push(invalid(
                    "values",
                    list,
                    "for 'in', 'notin' operators, values set can't be empty",
                ));
            }
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
            if values.len() != 1 {
                errs.push(invalid(
                    "values",
                    list,
                    "exact-match compatibility requires one single value",
                ));
            }
        }
        Operator::Exists | Operator::DoesNotExist => {
            if !values.is_empty() {
                errs.push(invalid(
                    "values",
                    list,
                    "values set must be empty for exists and does not exist",
                ));
            }
        }
        Operator::GreaterThan | Operator::LessThan => {
            if values.len() != 1 {
                errs.push(invalid(
                    "values",
                    list,
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                ));
            }
            for (i, value) in values.iter().enumerate() {
                if value.parse::<i64>().is_err() {
                    errs.push(invalid(
                        &format!("values[{i}]"),
                        BadValue::Str(value),
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    ));
                }
            }
        }
    }
    for (i, value) in values.iter().enumerate() {
        let value_errs = is_valid_label_value(value);
        if !value_errs.is_empty() {
            errs.push(invalid(
                &format!("values[{i}][{key}]"),
                BadValue::Str(value),
                &value_errs.join("; "),
            ));
        }
    }
    if errs.is_empty() {
        Ok(Requirement {
            key: key.to_owned(),
            operator,
            values,
        })
    } else {
        Err(aggregate(errs))
    }
}

/// `field.ErrorList.ToAggregate().Error()`: duplicates dropped, one message as is, several
/// as `[a, b]`.
fn aggregate(errs: Vec<String>) -> String {
    let mut unique: Vec<String> = Vec::with_capacity(errs.len());
    for err in errs {
        if !unique.contains(&err) {
            unique.push(err);
        }
    }
    if unique.len() == 1 {
        unique.remove(0)
    } else {
        format!("[{}]", unique.join(", "))
    }
}

/// Go's `%q` for a string.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `json.Marshal` for a `[]string`, which escapes `<`, `>`, `&`, U+2028 and U+2029.
fn go_json(values: &[String]) -> String {
    serde_json::to_string(values)
        .expect("strings serialise")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME_PART_REGEX: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    fn values(vs: &[&str]) -> Vec<String> {
        vs.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn qualified_names_take_an_optional_dns_prefix() {
        for good in [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "1234",
            "simple/simple",
            "now-with-dashes/simple",
            "1-num.2-num/3-num",
            "1234/5678",
            "1.2.3.4/5678",
            "Uppercase_Is_OK_123",
            "example.com/Uppercase_Is_OK_123",
            "requests.storage-foo",
            &"a".repeat(63),
            &format!("{}/b", "a".repeat(253)),
        ] {
            assert!(is_qualified_name(good).is_empty(), "{good}");
        }
        for bad in [
            "nospecialchars%^=@",
            "cantendwithadash-",
            "-cantstartwithadash-",
            "only/one/slash",
            "Example.com/abc",
            "example_com/abc",
            "example.com/",
            "/simple",
            &"a".repeat(64),
            &format!("{}/b", "a".repeat(254)),
        ] {
            assert!(!is_qualified_name(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn qualified_name_errors_read_as_apimachinerys() {
        assert_eq!(is_qualified_name("a-"), vec![NAME_PART_REGEX.to_owned()]);
        assert_eq!(
            is_qualified_name(""),
            vec![
                "name part must be non-empty".to_owned(),
                NAME_PART_REGEX.to_owned()
            ]
        );
        assert_eq!(
            is_qualified_name(&"a".repeat(64)),
            vec!["name part must be no more than 63 characters".to_owned()]
        );
        assert_eq!(
            is_qualified_name("/a"),
            vec!["prefix part must be non-empty".to_owned()]
        );
        assert_eq!(
            is_qualified_name("A.com/a"),
            vec!["prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_owned()]
        );
        assert_eq!(
            is_qualified_name("a/b/c"),
            vec!["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_owned()]
        );
    }

    #[test]
    fn label_values_may_be_empty_but_not_long_or_odd() {
        for good in [
            "",
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "end-with-num-1",
            "1234",
            "Uppercase_Is_OK_123",
            &"a".repeat(63),
        ] {
            assert!(is_valid_label_value(good).is_empty(), "{good}");
        }
        for bad in [
            "nospecialchars%^=@",
            "Tama-nui-te-rā.is.Māori.sun",
            "\\backslashes\\are\\bad",
            "-starts-with-dash",
            "ends-with-dash-",
            ".starts.with.dot",
            "ends.with.dot.",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_label_value(bad).is_empty(), "{bad}");
        }
        assert_eq!(
            is_valid_label_value("-"),
            vec!["a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_owned()]
        );
    }

    /// selector_test.go `TestRequirementConstructor`.
    #[test]
    fn the_requirement_constructor_accepts_and_rejects_as_apimachinery_does() {
        for (key, op, vals, ok) in [
            ("x", Operator::In, vec![], false),
            ("x", Operator::NotIn, vec![], false),
            ("x", Operator::In, values(&["foo"]), true),
            ("x", Operator::NotIn, values(&["foo"]), true),
            ("x", Operator::Exists, vec![], true),
            ("x", Operator::DoesNotExist, vec![], true),
            ("1foo", Operator::In, values(&["bar"]), true),
            ("1234", Operator::In, values(&["bar"]), true),
            ("y", Operator::GreaterThan, values(&["1"]), true),
            ("z", Operator::LessThan, values(&["6"]), true),
            ("foo", Operator::GreaterThan, values(&["bar"]), false),
            ("barz", Operator::LessThan, values(&["blah"]), false),
            (&"a".repeat(254), Operator::Exists, vec![], false),
        ] {
            let result = new_requirement(key, op, vals.clone());
            assert_eq!(result.is_ok(), ok, "{key} {op:?} {vals:?}: {result:?}");
        }
    }

    #[test]
    fn requirement_errors_name_the_field_and_are_aggregated() {
        assert_eq!(
            new_requirement("x", Operator::In, vec![]).unwrap_err(),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"
        );
        assert_eq!(
            new_requirement("x", Operator::Exists, values(&["a"])).unwrap_err(),
            "values: Invalid value: [\"a\"]: values set must be empty for exists and does not exist"
        );
        assert_eq!(
            new_requirement("x", Operator::Equals, values(&["a", "b"])).unwrap_err(),
            "values: Invalid value: [\"a\",\"b\"]: exact-match compatibility requires one single value"
        );
        assert_eq!(
            new_requirement("x", Operator::GreaterThan, values(&["a"])).unwrap_err(),
            "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"
        );
        assert_eq!(
            new_requirement("x-", Operator::In, values(&["a b"])).unwrap_err(),
            format!(
                "[key: Invalid value: \"x-\": {NAME_PART_REGEX}, values[0][x-]: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]"
            )
        );
        assert_eq!(
            new_requirement("x", Operator::In, values(&[&"a".repeat(64)])).unwrap_err(),
            format!(
                "values[0][x]: Invalid value: \"{}\": must be no more than 63 characters",
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn bad_values_print_as_go_prints_them() {
        assert_eq!(go_quote("a\"b\\\n\u{1}é"), "\"a\\\"b\\\\\\n\\x01é\"");
        assert_eq!(go_json(&values(&["<&>"])), "[\"\\u003c\\u0026\\u003e\"]");
    }
}
