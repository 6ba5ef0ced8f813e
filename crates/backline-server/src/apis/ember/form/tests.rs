//! Unit and property tests of the form decoder.

use super::*;
use proptest::prelude::*;
use serde_json::json;
use url::form_urlencoded;

fn parse(input: &str) -> Value {
    parse_form(input).unwrap_or_else(|err| panic!("{input:?} failed: {err}"))
}

// ---- seed examples ----

#[test]
fn single_scalar_field() {
    assert_eq!(parse("name=admin"), json!({"name": "admin"}));
}

#[test]
fn two_scalar_fields() {
    assert_eq!(
        parse("admin_steam_account_id=76561198131926932&scope=global"),
        json!({"admin_steam_account_id": "76561198131926932", "scope": "global"})
    );
}

#[test]
fn nested_without_append_is_a_string_and_a_one_item_list() {
    let value = parse("players[steam][connecting][ids]=76561198131926932");
    assert_eq!(
        value,
        json!({"players": {"steam": {"connecting": {"ids": "76561198131926932"}}}})
    );
    let ids = &value["players"]["steam"]["connecting"]["ids"];
    assert_eq!(as_list(ids), Some(vec!["76561198131926932".to_owned()]));
}

#[test]
fn deep_append() {
    let value = parse("players[steam][connecting][ids][]=76561198131926932");
    assert_eq!(
        value,
        json!({"players": {"steam": {"connecting": {"ids": ["76561198131926932"]}}}})
    );
    let ids = &value["players"]["steam"]["connecting"]["ids"];
    assert_eq!(as_list(ids), Some(vec!["76561198131926932".to_owned()]));
}

#[test]
fn comma_list_in_a_form() {
    let value = parse("ids=1,2,3");
    assert_eq!(value, json!({"ids": "1,2,3"}));
    assert_eq!(
        as_list(&value["ids"]),
        Some(vec!["1".into(), "2".into(), "3".into()])
    );
}

// ---- splitting and decoding ----

#[test]
fn empty_input_is_an_empty_object() {
    assert_eq!(parse(""), json!({}));
    assert_eq!(parse("&&&"), json!({}));
}

#[test]
fn empty_segments_are_skipped() {
    assert_eq!(parse("&a=1&&b=2&"), json!({"a": "1", "b": "2"}));
}

#[test]
fn segment_without_equals_is_an_empty_value() {
    assert_eq!(parse("a&b=1&c[]"), json!({"a": "", "b": "1", "c": [""]}));
}

#[test]
fn value_keeps_later_equals_signs() {
    assert_eq!(parse("a=b=c&d=="), json!({"a": "b=c", "d": "="}));
}

#[test]
fn plus_is_space_and_percent_decodes() {
    assert_eq!(
        parse("q=a+b%20c%2B%26%3D&k%C3%A9=%E2%9C%93"),
        json!({"q": "a b c+&=", "ké": "✓"})
    );
}

#[test]
fn encoded_brackets_are_brackets() {
    assert_eq!(parse("a%5B%5D=1&a%5b%5d=2"), json!({"a": ["1", "2"]}));
    assert_eq!(parse("a%5Bb%5D=1"), json!({"a": {"b": "1"}}));
}

#[test]
fn bad_percent_sequences_stay_literal() {
    assert_eq!(
        parse("a=%zz%4&b=%&c=100%"),
        json!({"a": "%zz%4", "b": "%", "c": "100%"})
    );
}

#[test]
fn brackets_in_values_are_text() {
    assert_eq!(parse("a=[x]&b=]["), json!({"a": "[x]", "b": "]["}));
}

#[test]
fn invalid_utf8_value_is_replaced() {
    assert_eq!(parse("a=%FF%C3x"), json!({"a": "\u{FFFD}\u{FFFD}x"}));
    // A literally encoded U+FFFD is just text, in keys too.
    assert_eq!(
        parse("%EF%BF%BD=%EF%BF%BD"),
        json!({"\u{FFFD}": "\u{FFFD}"})
    );
}

#[test]
fn invalid_utf8_key_is_an_error() {
    let err = parse_form("ok=1&name%FF[x]=1").unwrap_err();
    assert_eq!(
        err,
        FormError::InvalidEncoding {
            key: "name\u{FFFD}[x]".into()
        }
    );
    assert_eq!(err.field(), "name\u{FFFD}");
}

#[test]
fn all_values_are_strings() {
    assert_eq!(
        parse("n=1&t=true&z=null&f=1.5"),
        json!({"n": "1", "t": "true", "z": "null", "f": "1.5"})
    );
}

#[test]
fn unicode_keys_and_values() {
    assert_eq!(
        parse("名前[ユーザー]=Ωmega&émoji=🎮"),
        json!({"名前": {"ユーザー": "Ωmega"}, "émoji": "🎮"})
    );
}

// ---- PHP array rules ----

#[test]
fn repeated_scalar_last_wins() {
    assert_eq!(parse("a=1&a=2"), json!({"a": "2"}));
}

#[test]
fn append_builds_a_list() {
    assert_eq!(parse("a[]=1&a[]=2"), json!({"a": ["1", "2"]}));
}

#[test]
fn dense_indices_build_a_list() {
    assert_eq!(parse("a[0]=x&a[1]=y"), json!({"a": ["x", "y"]}));
}

#[test]
fn out_of_order_indices_build_an_object() {
    assert_eq!(parse("a[1]=x&a[0]=y"), json!({"a": {"1": "x", "0": "y"}}));
}

#[test]
fn sparse_indices_build_an_object() {
    assert_eq!(parse("a[2]=x"), json!({"a": {"2": "x"}}));
    assert_eq!(parse("a[0]=x&a[2]=y"), json!({"a": {"0": "x", "2": "y"}}));
}

#[test]
fn named_keys_build_an_object() {
    assert_eq!(parse("a[x]=1&a[y]=2"), json!({"a": {"x": "1", "y": "2"}}));
}

#[test]
fn mixed_append_and_named_keys_build_an_object() {
    assert_eq!(parse("a[]=1&a[x]=2"), json!({"a": {"0": "1", "x": "2"}}));
    assert_eq!(parse("a[x]=1&a[]=2"), json!({"a": {"x": "1", "0": "2"}}));
}

#[test]
fn append_uses_largest_integer_key_plus_one() {
    assert_eq!(parse("a[5]=x&a[]=y"), json!({"a": {"5": "x", "6": "y"}}));
    assert_eq!(parse("a[0]=x&a[]=y&a[]=z"), json!({"a": ["x", "y", "z"]}));
    assert_eq!(
        parse("a[3]=x&a[1]=y&a[]=z"),
        json!({"a": {"3": "x", "1": "y", "4": "z"}})
    );
    // PHP 8.3: negative keys count too.
    assert_eq!(parse("a[-5]=x&a[]=y"), json!({"a": {"-5": "x", "-4": "y"}}));
}

#[test]
fn non_canonical_integers_are_string_keys() {
    assert_eq!(parse("a[01]=x&a[]=y"), json!({"a": {"01": "x", "0": "y"}}));
    assert_eq!(
        parse("a[-0]=x&a[%2B1]=y&a[]=z"),
        json!({"a": {"-0": "x", "+1": "y", "0": "z"}})
    );
    // Beyond i64 is a string key as well.
    assert_eq!(
        parse("a[99999999999999999999]=x&a[]=y"),
        json!({"a": {"99999999999999999999": "x", "0": "y"}})
    );
}

#[test]
fn append_past_the_largest_key_is_ignored() {
    assert_eq!(
        parse("a[9223372036854775807]=x&a[]=y&b=1"),
        json!({"a": {"9223372036854775807": "x"}, "b": "1"})
    );
}

#[test]
fn reassignment_keeps_the_position() {
    assert_eq!(parse("a[0]=x&a[1]=y&a[0]=z"), json!({"a": ["z", "y"]}));
    assert_eq!(parse("a[]=x&a[]=y&a[0]=z"), json!({"a": ["z", "y"]}));
}

#[test]
fn scalar_replaces_container_and_back() {
    assert_eq!(parse("a[]=1&a=2"), json!({"a": "2"}));
    assert_eq!(parse("a=2&a[]=1"), json!({"a": ["1"]}));
    assert_eq!(parse("a[x]=1&a=2"), json!({"a": "2"}));
    assert_eq!(parse("a=2&a[x]=1"), json!({"a": {"x": "1"}}));
    assert_eq!(parse("a[b]=1&a[b][c]=2"), json!({"a": {"b": {"c": "2"}}}));
    assert_eq!(parse("a[b][c]=2&a[b]=1"), json!({"a": {"b": "1"}}));
    // A replaced list starts counting afresh.
    assert_eq!(parse("a[5]=x&a=s&a[]=y"), json!({"a": ["y"]}));
}

#[test]
fn nested_lists_and_objects() {
    assert_eq!(
        parse("m[0][]=a&m[0][]=b&m[1][k]=v&m[][]=c"),
        json!({"m": [["a", "b"], {"k": "v"}, ["c"]]})
    );
}

#[test]
fn top_level_integer_names_stay_an_object() {
    assert_eq!(parse("0=a&1=b"), json!({"0": "a", "1": "b"}));
}

#[test]
fn empty_field_name_is_ignored() {
    assert_eq!(parse("=1"), json!({}));
    assert_eq!(parse("[x]=1&a=2"), json!({"a": "2"}));
    assert_eq!(parse("[]=1&[=2&[x=3&a=4"), json!({"a": "4"}));
}

/// Found by the `ember_form` fuzz target (fuzz/crashes/ember_form/): such a key was refused as
/// not UTF-8 with an empty field name in the 422, instead of being ignored like `[x]=1`.
#[test]
fn empty_field_name_is_ignored_even_when_the_rest_is_not_utf8() {
    assert_eq!(parse("[%FF]=1&a=2"), json!({"a": "2"}));
    assert_eq!(parse("%5B%BF%BD=%EF%BF%BD&a=2"), json!({"a": "2"}));
    assert_eq!(parse("[x%FF=1"), json!({}));
}

// ---- errors ----

/// What PHP 8's `parse_str` makes of each (checked with `php -r`; EMBER.md's quirks).
#[test]
fn brackets_out_of_place_read_as_php_reads_them() {
    for (input, expected) in [
        ("a]b=1", json!({"a]b": "1"})),
        ("]=1", json!({"]": "1"})),
        ("a[b=1", json!({"a_b": "1"})),
        ("a[=1", json!({"a_": "1"})),
        ("a][=1", json!({"a]_": "1"})),
        ("a[b[c=1", json!({"a_b_c": "1"})),
        ("a[b]c=1", json!({"a": {"b": "1"}})),
        ("a[b]]=1", json!({"a": {"b": "1"}})),
        ("a[b]x[c]=1", json!({"a": {"b": "1"}})),
        ("a[b][c=1", json!({"a": {"b": "1"}})),
        ("a[b[c]]=1", json!({"a": {"b[c": "1"}})),
        ("a[][b=1", json!({"a": ["1"]})),
        ("ok=1&a[b=2", json!({"ok": "1", "a_b": "2"})),
    ] {
        assert_eq!(parse(input), expected, "{input}");
    }
}

#[test]
fn field_is_the_name_before_the_first_bracket() {
    let too_deep = format!("players{}=1", "[a]".repeat(MAX_DEPTH + 1));
    assert_eq!(parse_form(&too_deep).unwrap_err().field(), "players");
    assert_eq!(parse_form("players[%FF]=1").unwrap_err().field(), "players");
    assert_eq!(parse_form("a]%FF=1").unwrap_err().field(), "a]\u{FFFD}");
}

#[test]
fn sixteen_levels_are_fine_seventeen_too_deep() {
    let sixteen = format!("a{}=x", "[k]".repeat(16));
    let mut expected = json!("x");
    for _ in 0..16 {
        expected = json!({ "k": expected });
    }
    assert_eq!(parse(&sixteen), json!({ "a": expected }));

    let seventeen = format!("a{}=x", "[]".repeat(17));
    let err = parse_form(&seventeen).unwrap_err();
    assert_eq!(
        err,
        FormError::TooDeep {
            key: seventeen.trim_end_matches("=x").into()
        }
    );
    assert_eq!(err.field(), "a");
}

#[test]
fn errors_display_the_key() {
    let err = parse_form("a[%FF]=1").unwrap_err();
    assert!(err.to_string().contains("`a[\u{FFFD}]`"), "{err}");
    let err = parse_form(&format!("a{}=1", "[]".repeat(20))).unwrap_err();
    assert!(err.to_string().contains("16 levels"), "{err}");
}

// ---- merge ----

#[test]
fn merge_overlay_wins_and_objects_merge_recursively() {
    let query = parse("scope=global&players[steam][ids][]=1&players[steam][x]=q&page=1");
    let body = parse("scope=server&players[steam][ids][]=2&players[oxide][ids]=3");
    assert_eq!(
        merge(query, body),
        json!({
            "scope": "server",
            "page": "1",
            "players": {
                "steam": {"ids": ["2"], "x": "q"},
                "oxide": {"ids": "3"},
            },
        })
    );
}

#[test]
fn merge_replaces_non_objects() {
    assert_eq!(
        merge(json!({"a": {"b": 1}}), json!({"a": 2})),
        json!({"a": 2})
    );
    assert_eq!(
        merge(json!({"a": 2}), json!({"a": {"b": 1}})),
        json!({"a": {"b": 1}})
    );
    assert_eq!(
        merge(json!({"a": [1, 2]}), json!({"a": [3]})),
        json!({"a": [3]})
    );
    assert_eq!(
        merge(json!({"a": 1}), json!({"a": null})),
        json!({"a": null})
    );
    assert_eq!(merge(json!("x"), json!({"a": 1})), json!({"a": 1}));
    assert_eq!(merge(json!({"a": 1}), json!([1])), json!([1]));
}

#[test]
fn merge_with_empty_sides() {
    let value = json!({"a": {"b": "1"}});
    assert_eq!(merge(json!({}), value.clone()), value);
    assert_eq!(merge(value.clone(), json!({})), value);
}

// ---- as_list ----

fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| (*s).to_owned()).collect())
}

#[test]
fn as_list_splits_comma_strings() {
    assert_eq!(as_list(&json!("1,2,3")), strings(&["1", "2", "3"]));
    assert_eq!(as_list(&json!(" 1 , 2,,3, ")), strings(&["1", "2", "3"]));
    assert_eq!(
        as_list(&json!("76561198131926932")),
        strings(&["76561198131926932"])
    );
    assert_eq!(as_list(&json!("")), strings(&[]));
    assert_eq!(as_list(&json!(" , ")), strings(&[]));
}

#[test]
fn as_list_takes_arrays_of_scalars() {
    assert_eq!(as_list(&json!(["1", "2"])), strings(&["1", "2"]));
    assert_eq!(
        as_list(&json!([76561198131926932_u64, 2, true])),
        strings(&["76561198131926932", "2", "true"])
    );
    assert_eq!(as_list(&json!([" a ", "", "b,c"])), strings(&["a", "b,c"]));
    assert_eq!(as_list(&json!([])), strings(&[]));
}

#[test]
fn as_list_takes_single_scalars() {
    assert_eq!(as_list(&json!(7)), strings(&["7"]));
    assert_eq!(as_list(&json!(1.5)), strings(&["1.5"]));
    assert_eq!(as_list(&json!(false)), strings(&["false"]));
}

#[test]
fn as_list_rejects_everything_else() {
    assert_eq!(as_list(&json!(null)), None);
    assert_eq!(as_list(&json!({"0": "1"})), None);
    assert_eq!(as_list(&json!([["1"]])), None);
    assert_eq!(as_list(&json!([{"a": "1"}])), None);
    assert_eq!(as_list(&json!(["1", null])), None);
}

// ---- looks_like_form ----

#[test]
fn forms_look_like_forms() {
    for body in [
        "a=1&b[c]=2",
        "players[steam][connecting][ids][]=1",
        "name=admin",
        "a=",
        "a=1&",
        "&a=1",
        "a=1\n",
        "  a=1&b=two words ",
        "a%5B%5D=1",
        "a[b=1",
    ] {
        assert!(looks_like_form(body), "{body:?}");
    }
}

#[test]
fn other_bodies_do_not_look_like_forms() {
    for body in [
        "",
        "   ",
        "&&",
        "{\"a\":1}",
        "  {\"a=1\": 1}",
        "[1,2]",
        "[a]=1",
        "hello",
        "hello world",
        "a=1&b",
        "=1",
        "a=1&=2",
        "x = 5",
        "some key=1",
        "a\tb=1",
    ] {
        assert!(!looks_like_form(body), "{body:?}");
    }
}

#[test]
fn bodies_sent_as_forms_must_be_pairs() {
    for body in [
        "a=1&b[c]=2",
        "=true",
        "a=1&=2",
        "",
        "&&",
        "%C3%95W=x&=y",
        "a=1&",
        "x = 5",
        "players[Bad Source][connecting][ids]=1",
    ] {
        assert!(is_form_encoded(body), "{body:?}");
    }
    for body in [
        "AAA",
        "hello world",
        "a=1&b",
        "a\tb=1",
        "a\u{1}=1",
        "{\"a\":1}",
    ] {
        assert!(!is_form_encoded(body), "{body:?}");
    }
}

// ---- property tests ----

/// How [`encode_with`] writes list items.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    /// `a[0]=…&a[1]=…`
    Indexed,
    /// `a[]=…` for scalar items; containers need `a[i]` so their fields stay together.
    Append,
    /// Indexed, with the brackets percent-encoded as `http_build_query` writes them.
    EncodedBrackets,
}

fn escape(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// PHP-style form encoding of a JSON object of strings, lists and objects.
fn encode(value: &Value) -> String {
    encode_with(value, Style::Indexed)
}

fn encode_with(value: &Value, style: Style) -> String {
    let Value::Object(fields) = value else {
        panic!("only objects can be encoded as forms: {value}");
    };
    let mut pairs = Vec::new();
    for (name, field) in fields {
        push_pairs(&mut pairs, escape(name), field, style);
    }
    pairs.join("&")
}

fn push_pairs(pairs: &mut Vec<String>, key: String, value: &Value, style: Style) {
    let (open, close) = match style {
        Style::EncodedBrackets => ("%5B", "%5D"),
        Style::Indexed | Style::Append => ("[", "]"),
    };
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let segment = if style == Style::Append && item.is_string() {
                    String::new()
                } else {
                    index.to_string()
                };
                push_pairs(pairs, format!("{key}{open}{segment}{close}"), item, style);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                let key = format!("{key}{open}{}{close}", escape(name));
                push_pairs(pairs, key, field, style);
            }
        }
        Value::String(text) => pairs.push(format!("{key}={}", escape(text))),
        other => panic!("forms only carry strings: {other}"),
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9&=+%\\[\\] ]{0,10}",
        "\\PC{0,10}",
        "[\\x00-\\x1f\u{7f}\u{fffd}%a]{0,6}",
    ]
}

fn field_name() -> impl Strategy<Value = String> {
    "[a-z_]{1,8}"
}

fn object_of(
    values: impl Strategy<Value = Value>,
    size: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(field_name(), values, size)
        .prop_map(|fields| Value::Object(fields.into_iter().collect()))
}

/// Non-empty nested values with string leaves (empty containers cannot be encoded).
fn nested() -> impl Strategy<Value = Value> {
    text()
        .prop_map(Value::String)
        .prop_recursive(4, 48, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..=4).prop_map(Value::Array),
                object_of(inner, 1..=4),
            ]
        })
}

fn document() -> impl Strategy<Value = Value> {
    object_of(nested(), 0..=5)
}

proptest! {
    /// Whatever nested value is encoded PHP-style, decoding gives it back.
    #[test]
    fn round_trip(value in document()) {
        prop_assert_eq!(parse_form(&encode(&value)), Ok(value));
    }

    /// Indexed, `[]` and bracket-encoded spellings of one value decode alike.
    #[test]
    fn spellings_decode_alike(value in document()) {
        let indexed = parse_form(&encode_with(&value, Style::Indexed));
        prop_assert_eq!(&indexed, &Ok(value.clone()));
        prop_assert_eq!(&parse_form(&encode_with(&value, Style::Append)), &indexed);
        prop_assert_eq!(&parse_form(&encode_with(&value, Style::EncodedBrackets)), &indexed);
    }

    /// Repeating a scalar key: the last value wins.
    #[test]
    fn repeated_scalar_any_sequence_last_wins(
        name in field_name(),
        values in prop::collection::vec(text(), 1..8),
    ) {
        let form: Vec<String> =
            values.iter().map(|v| format!("{name}={}", escape(v))).collect();
        let last = values.last().unwrap().clone();
        prop_assert_eq!(
            parse_form(&form.join("&")),
            Ok(Value::Object(Map::from_iter([(name, Value::String(last))])))
        );
    }

    /// Interleaving `a=…` and `a[]=…`: a scalar resets, appends after it start a new list.
    #[test]
    fn scalars_and_appends_interleave(
        steps in prop::collection::vec((any::<bool>(), text()), 1..10),
    ) {
        let mut model: Value = Value::Null;
        let mut form = Vec::new();
        for (append, text) in &steps {
            if *append {
                form.push(format!("a[]={}", escape(text)));
                match &mut model {
                    Value::Array(items) => items.push(json!(text)),
                    _ => model = json!([text]),
                }
            } else {
                form.push(format!("a={}", escape(text)));
                model = json!(text);
            }
        }
        prop_assert_eq!(parse_form(&form.join("&")), Ok(json!({ "a": model })));
    }

    /// Values decode exactly as `form_urlencoded` decodes them, invalid UTF-8 included.
    #[test]
    fn values_decode_like_form_urlencoded(raw in "([^&]|%[0-9a-fA-F]{2}|%[89a-fA-F][0-9a-fA-F]){0,16}") {
        let input = format!("k={raw}");
        let (_, expected) = form_urlencoded::parse(input.as_bytes()).next().unwrap();
        prop_assert_eq!(parse_form(&input), Ok(json!({ "k": expected })));
    }

    /// Keys decode as `form_urlencoded` decodes them, or are rejected when not UTF-8.
    #[test]
    fn keys_decode_like_form_urlencoded(raw in "([g-z0-9ACEF+]|%[0-9ACEF]{2}){1,8}") {
        let input = format!("{raw}=v");
        let (expected, _) = form_urlencoded::parse(input.as_bytes()).next().unwrap();
        match parse_form(&input) {
            Ok(value) => prop_assert_eq!(value, json!({ expected.as_ref(): "v" })),
            Err(err) => {
                prop_assert!(expected.contains('\u{FFFD}'), "{err}");
                prop_assert_eq!(err, FormError::InvalidEncoding { key: expected.into_owned() });
            }
        }
    }

    /// Arbitrary input never panics, and a form's result is always an object.
    #[test]
    fn never_panics(input in prop_oneof![
        any::<String>(),
        "[a-c0-9\\[\\]=&%+-]{0,64}",
        "([a-b]|\\[|\\]|\\[\\]|=|&|%5[bBdD]|%[fF]{2}){0,48}",
    ]) {
        if let Ok(value) = parse_form(&input) {
            prop_assert!(value.is_object());
            for field in value.as_object().unwrap().values() {
                let _ = as_list(field);
            }
        }
        let _ = looks_like_form(&input);
    }
}
