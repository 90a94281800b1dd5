//! Tests for label selectors, most of them ported from apimachinery's `selector_test.go` and `helpers_test.go`.

use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn parse(selector: &str) -> LabelSelector {
    selector
        .parse()
        .unwrap_or_else(|err| panic!("{selector:?}: {err}"))
}

fn selects(selector: &str, pairs: &[(&str, &str)]) -> bool {
    parse(selector).matches(&labels(pairs))
}

fn requirement(key: &str, operator: Operator, values: &[&str]) -> Requirement {
    let values = values.iter().map(|v| (*v).to_owned()).collect();
    validation::new_requirement(key, operator, values).unwrap()
}

fn meta(value: serde_json::Value) -> MetaLabelSelector {
    serde_json::from_value(value).unwrap()
}

/// `TestSelectorParse`.
#[test]
fn good_selectors_parse_and_print_back_without_spaces() {
    for good in [
        "x=a,y=b,z=c",
        "",
        "x!=a,y=b",
        "x=",
        "x= ",
        "x=,z= ",
        "x= ,z= ",
        "!x",
        "x>1",
        "x>1,z<5",
    ] {
        assert_eq!(parse(good).to_string(), good.replace(' ', ""), "{good}");
    }
    for bad in ["x=a||y=b", "x==a==b", "!x=a", "x<a"] {
        assert!(bad.parse::<LabelSelector>().is_err(), "{bad}");
    }
}

/// `TestDeterministicParse`.
#[test]
fn requirements_are_sorted_by_key() {
    assert_eq!(parse("x=a,a=x").to_string(), parse("a=x,x=a").to_string());
    assert_eq!(parse("x=a,a=x").to_string(), "a=x,x=a");
}

/// `TestEverything`, `TestSetIsEmpty`.
#[test]
fn the_empty_selector_selects_everything() {
    assert!(LabelSelector::everything().matches(&labels(&[("x", "y")])));
    assert!(LabelSelector::everything().is_everything());
    assert!(parse("").is_everything());
    assert!(parse(" \t\r\n").is_everything());
    assert!(LabelSelector::from(BTreeMap::new()).is_everything());
}

/// `TestSelectorMatches`.
#[test]
fn selectors_match_as_client_gos_do() {
    for (selector, pairs) in [
        ("", &[("x", "y")][..]),
        ("x=y", &[("x", "y")]),
        ("x=y,z=w", &[("x", "y"), ("z", "w")]),
        ("x!=y,z!=w", &[("x", "z"), ("z", "a")]),
        ("notin=in", &[("notin", "in")]),
        ("x", &[("x", "z")]),
        ("!x", &[("y", "z")]),
        ("x>1", &[("x", "2")]),
        ("x<1", &[("x", "0")]),
        ("foo=bar", &[("foo", "bar"), ("baz", "blah")]),
        ("baz=blah", &[("foo", "bar"), ("baz", "blah")]),
        ("foo=bar,baz=blah", &[("foo", "bar"), ("baz", "blah")]),
    ] {
        assert!(
            selects(selector, pairs),
            "{selector} should match {pairs:?}"
        );
    }
    for (selector, pairs) in [
        ("x=z", &[][..]),
        ("x=y", &[("x", "z")]),
        ("x=y,z=w", &[("x", "w"), ("z", "w")]),
        ("x!=y,z!=w", &[("x", "z"), ("z", "w")]),
        ("x", &[("y", "z")]),
        ("!x", &[("x", "z")]),
        ("x>1", &[("x", "0")]),
        ("x<1", &[("x", "2")]),
        ("foo=blah", &[("foo", "bar"), ("baz", "blah")]),
        ("baz=bar", &[("foo", "bar"), ("baz", "blah")]),
        (
            "foo=bar,foobar=bar,baz=blah",
            &[("foo", "bar"), ("baz", "blah")],
        ),
    ] {
        assert!(
            !selects(selector, pairs),
            "{selector} should not match {pairs:?}"
        );
    }
}

/// `TestSetMatches`.
#[test]
fn a_map_selects_objects_with_all_its_labels() {
    let set = labels(&[("foo", "bar"), ("baz", "blah")]);
    for selector in [
        labels(&[]),
        labels(&[("foo", "bar")]),
        labels(&[("baz", "blah")]),
        labels(&[("foo", "bar"), ("baz", "blah")]),
    ] {
        assert!(LabelSelector::from(selector).matches(&set));
    }
    assert!(!LabelSelector::from(labels(&[("foo", "baz")])).matches(&set));
}

/// `TestSetSelectorParser`.
#[test]
fn set_based_selectors_parse_to_client_gos_requirements() {
    use Operator::*;
    let cases: Vec<(&str, Option<Vec<Requirement>>)> = vec![
        ("", Some(vec![])),
        ("\rx", Some(vec![requirement("x", Exists, &[])])),
        (
            "this-is-a-dns.domain.com/key-with-dash",
            Some(vec![requirement(
                "this-is-a-dns.domain.com/key-with-dash",
                Exists,
                &[],
            )]),
        ),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            Some(vec![requirement(
                "this-is-another-dns.domain.com/key-with-dash",
                In,
                &["so", "what"],
            )]),
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            Some(vec![requirement(
                "0.1.2.domain/99",
                NotIn,
                &["10.10.100.1", "tick.tack.clock"],
            )]),
        ),
        (
            "foo  in\t (abc)",
            Some(vec![requirement("foo", In, &["abc"])]),
        ),
        (
            "x notin\n (abc)",
            Some(vec![requirement("x", NotIn, &["abc"])]),
        ),
        (
            "x  notin\t\t\t(abc,def)",
            Some(vec![requirement("x", NotIn, &["abc", "def"])]),
        ),
        (
            "x in (abc,def)",
            Some(vec![requirement("x", In, &["abc", "def"])]),
        ),
        (
            "x in (abc,)",
            Some(vec![requirement("x", In, &["", "abc"])]),
        ),
        ("x in ()", Some(vec![requirement("x", In, &[""])])),
        (
            "x notin (abc,,def),bar,z in (),w",
            Some(vec![
                requirement("bar", Exists, &[]),
                requirement("w", Exists, &[]),
                requirement("x", NotIn, &["", "abc", "def"]),
                requirement("z", In, &[""]),
            ]),
        ),
        (
            "x,y in (a)",
            Some(vec![
                requirement("x", Exists, &[]),
                requirement("y", In, &["a"]),
            ]),
        ),
        ("x=a", Some(vec![requirement("x", Equals, &["a"])])),
        ("x>1", Some(vec![requirement("x", GreaterThan, &["1"])])),
        ("x<7", Some(vec![requirement("x", LessThan, &["7"])])),
        (
            "x=a,y!=b",
            Some(vec![
                requirement("x", Equals, &["a"]),
                requirement("y", NotEquals, &["b"]),
            ]),
        ),
        (
            "x=a,y!=b,z in (h,i,j)",
            Some(vec![
                requirement("x", Equals, &["a"]),
                requirement("y", NotEquals, &["b"]),
                requirement("z", In, &["h", "i", "j"]),
            ]),
        ),
        ("x=a||y=b", None),
        ("x,,y", None),
        (",x,y", None),
        ("x nott in (y)", None),
        ("x notin ( )", Some(vec![requirement("x", NotIn, &[""])])),
        (
            "x notin (, a)",
            Some(vec![requirement("x", NotIn, &["", "a"])]),
        ),
        ("a in (xyz),", None),
        ("a in (xyz)b notin ()", None),
        ("a ", Some(vec![requirement("a", Exists, &[])])),
        (
            "a in (x,y,notin, z,in)",
            Some(vec![requirement("a", In, &["in", "notin", "x", "y", "z"])]),
        ),
        ("a in (xyz abc)", None),
        ("a notin(", None),
        ("a (", None),
        ("(", None),
    ];
    for (input, expected) in cases {
        let parsed = input.parse::<LabelSelector>();
        match expected {
            Some(requirements) => {
                assert_eq!(parsed.unwrap().requirements, requirements, "{input:?}")
            }
            None => assert!(parsed.is_err(), "{input:?} parsed"),
        }
    }
}

/// `TestToString`.
#[test]
fn requirements_print_as_client_gos() {
    use Operator::*;
    for (requirements, expected) in [
        (
            vec![
                requirement("x", In, &["abc", "def"]),
                requirement("y", NotIn, &["jkl"]),
                requirement("z", Exists, &[]),
            ],
            "x in (abc,def),y notin (jkl),z",
        ),
        (
            vec![
                requirement("x", NotIn, &["abc", "def"]),
                requirement("y", NotEquals, &["jkl"]),
                requirement("z", DoesNotExist, &[]),
            ],
            "x notin (abc,def),y!=jkl,!z",
        ),
        (
            vec![
                requirement("x", NotIn, &["abc"]),
                requirement("y", In, &["jkl", "mno"]),
                requirement("z", NotIn, &[""]),
            ],
            "x notin (abc),y in (jkl,mno),z notin ()",
        ),
        (
            vec![
                requirement("x", Equals, &["abc"]),
                requirement("y", DoubleEquals, &["jkl"]),
                requirement("z", NotEquals, &["a"]),
                requirement("z", Exists, &[]),
            ],
            "x=abc,y==jkl,z!=a,z",
        ),
        (
            vec![
                requirement("x", GreaterThan, &["2"]),
                requirement("y", LessThan, &["8"]),
                requirement("z", Exists, &[]),
            ],
            "x>2,y<8,z",
        ),
    ] {
        let selector = LabelSelector { requirements };
        assert_eq!(selector.to_string(), expected);
        assert_eq!(parse(expected), selector, "{expected} round-trips");
    }
}

/// `TestRequirementSelectorMatching`.
#[test]
fn set_requirements_match_as_client_gos_do() {
    use Operator::*;
    for (pairs, requirements, expected) in [
        (
            &[("x", "foo"), ("y", "baz")][..],
            vec![
                requirement("x", In, &["foo"]),
                requirement("y", NotIn, &["alpha"]),
            ],
            true,
        ),
        (
            &[("x", "foo"), ("y", "baz")],
            vec![
                requirement("x", In, &["foo"]),
                requirement("y", In, &["alpha"]),
            ],
            false,
        ),
        (
            &[("y", "")],
            vec![
                requirement("x", NotIn, &[""]),
                requirement("y", Exists, &[]),
            ],
            true,
        ),
        (
            &[("y", "")],
            vec![
                requirement("x", DoesNotExist, &[]),
                requirement("y", Exists, &[]),
            ],
            true,
        ),
        (
            &[("y", "")],
            vec![
                requirement("x", NotIn, &[""]),
                requirement("y", DoesNotExist, &[]),
            ],
            false,
        ),
        (&[("y", "baz")], vec![requirement("x", In, &[""])], false),
        (
            &[("z", "2")],
            vec![requirement("z", GreaterThan, &["1"])],
            true,
        ),
        (
            &[("z", "v2")],
            vec![requirement("z", GreaterThan, &["1"])],
            false,
        ),
    ] {
        let selector = LabelSelector { requirements };
        assert_eq!(
            selector.matches(&labels(pairs)),
            expected,
            "{selector} on {pairs:?}"
        );
    }
}

#[test]
fn keys_and_values_must_be_valid_labels() {
    for bad in [
        "x/y/z=a",
        "-x=a",
        "Example.com/x=a",
        "/x",
        "x/",
        "x=a b",
        "x=-a",
        "x in (a,b-)",
        "x notin (a.)",
        "x!=a_",
        "x=ä",
    ] {
        assert!(bad.parse::<LabelSelector>().is_err(), "{bad}");
    }
    let long = "a".repeat(63);
    assert!(format!("x={long}").parse::<LabelSelector>().is_ok());
    assert!(format!("x={long}a").parse::<LabelSelector>().is_err());
    assert!(format!("{long}=x").parse::<LabelSelector>().is_ok());
    assert!(format!("{long}a=x").parse::<LabelSelector>().is_err());
    assert!(
        format!("{}/{long}", "d".repeat(253))
            .parse::<LabelSelector>()
            .is_ok()
    );
    assert!(
        format!("{}/{long}", "d".repeat(254))
            .parse::<LabelSelector>()
            .is_err()
    );
}

#[test]
fn parse_errors_carry_the_selector_and_client_gos_message() {
    match "x in (a b)".parse::<LabelSelector>() {
        Err(Error::InvalidSelector { selector, message }) => {
            assert_eq!(selector, "x in (a b)");
            assert_eq!(
                message,
                "unable to parse requirement: found 'b', expected: ',' or ')'"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        "x,".parse::<LabelSelector>().unwrap_err().to_string(),
        "found '', expected: identifier after ','"
    );
}

/// `TestLabelSelectorAsSelector` (helpers_test.go).
#[test]
fn meta_selectors_convert_as_label_selector_as_selector_does() {
    for (selector, expected) in [
        (serde_json::json!({}), ""),
        (
            serde_json::json!({"matchLabels": {"foo": "bar"}}),
            "foo=bar",
        ),
        (
            serde_json::json!({
                "matchLabels": {"foo": "bar"},
                "matchExpressions": [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]
            }),
            "baz in (norf,qux),foo=bar",
        ),
        (
            serde_json::json!({
                "matchLabels": {"foo": "bar"},
                "matchExpressions": [{"key": "baz", "operator": "NotIn", "values": ["qux", "norf"]}]
            }),
            "baz notin (norf,qux),foo=bar",
        ),
        (
            serde_json::json!({
                "matchLabels": {"foo": "bar"},
                "matchExpressions": [{"key": "baz", "operator": "DoesNotExist"}]
            }),
            "!baz,foo=bar",
        ),
        (
            serde_json::json!({
                "matchLabels": {"foo": "bar"},
                "matchExpressions": [{"key": "baz", "operator": "Exists"}]
            }),
            "baz,foo=bar",
        ),
    ] {
        let converted = LabelSelector::try_from(&meta(selector.clone()))
            .unwrap_or_else(|err| panic!("{selector}: {err}"));
        assert_eq!(converted.to_string(), expected, "{selector}");
    }
}

#[test]
fn meta_selectors_are_checked_as_new_requirement_checks_them() {
    for (selector, message) in [
        (
            serde_json::json!({"matchExpressions": [{"key": "baz", "operator": "Exists", "values": ["qux", "norf"]}]}),
            "values: Invalid value: [\"qux\",\"norf\"]: values set must be empty for exists and does not exist",
        ),
        (
            serde_json::json!({"matchExpressions": [{"key": "baz", "operator": "In"}]}),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            serde_json::json!({"matchExpressions": [{"key": "baz", "operator": "NotIn", "values": []}]}),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            serde_json::json!({"matchLabels": {"foo": "bar baz"}}),
            "values[0][foo]: Invalid value: \"bar baz\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
        (
            serde_json::json!({"matchExpressions": [{"key": "baz", "operator": "Gt", "values": ["1"]}]}),
            "\"Gt\" is not a valid label selector operator",
        ),
    ] {
        let err = LabelSelector::try_from(&meta(selector.clone())).unwrap_err();
        assert_eq!(err.to_string(), message, "{selector}");
    }
}

#[test]
fn display_round_trips_through_parse() {
    let s = parse("a=1, b != 2, c in (y,x), d notin (z), e, !f, g>3, h==4");
    assert_eq!(
        s.to_string(),
        "a=1,b!=2,c in (x,y),d notin (z),e,!f,g>3,h==4"
    );
    assert_eq!(parse(&s.to_string()), s);
}

#[test]
fn not_equals_and_notin_also_select_objects_without_the_label() {
    assert!(selects("app!=web", &[]));
    assert!(!selects("app!=web", &[("app", "web")]));
    assert!(selects("tier notin (a, b)", &[]));
    assert!(!selects("tier notin (a,b)", &[("tier", "b")]));
}

#[test]
fn in_with_empty_parentheses_selects_the_empty_value() {
    assert!(selects("tier in ()", &[("tier", "")]));
    assert!(!selects("tier in ()", &[("tier", "a")]));
    assert!(!selects("tier in ()", &[]));
}
