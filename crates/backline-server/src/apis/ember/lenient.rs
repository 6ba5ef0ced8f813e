//! Tolerant deserializers for the typed request structs of [`super::fields`], and
//! [`decode`], which turns their errors into Ember's 422 naming the field.
//!
//! The merged parameters are a [`Value`] built from a PHP-style form (every leaf a string) or
//! from JSON (numbers, booleans, `null`, `[]`): the same field arrives as `"30"` from one plugin
//! and `30` from another. These functions accept every spelling a Laravel application accepts
//! and nothing else; each error message is Laravel's, with `:attribute` standing for the field's
//! dotted path (filled in by [`decode`], as Laravel fills in its validation messages).
//!
//! Upstream: Laravel trims every string parameter and turns an empty one into `null`
//! (`TrimStrings`, `ConvertEmptyStringsToNull`), so an empty or blank optional field is absent.

use super::error::EmberError;
use super::form::as_list;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// The placeholder for the field's dotted path in the messages below.
const ATTRIBUTE: &str = ":attribute";
const MUST_BE_STRING: &str = "The :attribute field must be a string.";
const MUST_BE_INTEGER: &str = "The :attribute field must be an integer.";
const MUST_BE_ARRAY: &str = "The :attribute field must be an array.";
const MUST_BE_LIST: &str = "The :attribute field must be a list of ids.";
const REQUIRED: &str = "The :attribute field is required.";
/// Laravel's message for a value outside a fixed set (its `in` rule).
pub const SELECTED_INVALID: &str = "The selected :attribute is invalid.";

/// Decodes the merged parameters into `T`; an error is a 422 naming the offending field by its
/// dotted path (`players.steam.connecting.ids`), as Laravel names nested fields.
pub fn decode<T: DeserializeOwned>(params: &Value) -> Result<T, EmberError> {
    serde_path_to_error::deserialize(params).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        // serde's own messages, for what the struct itself decides: a missing required field
        // and a key outside a closed set (`deny_unknown_fields`).
        if let Some(name) = quoted_after(&message, "missing field `") {
            let field = if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            return EmberError::invalid(field.clone(), REQUIRED.replace(ATTRIBUTE, &field));
        }
        if message.starts_with("unknown field `") {
            return EmberError::invalid(path.clone(), SELECTED_INVALID.replace(ATTRIBUTE, &path));
        }
        let text = if message.contains(ATTRIBUTE) {
            message.replace(ATTRIBUTE, &path)
        } else {
            format!("The {path} field is invalid: {message}")
        };
        EmberError::invalid(path, text)
    })
}

/// Decodes one parameter whose name is only known at run time (`admin_<source>_account_id`)
/// with one of the functions below (`decode_named(params, name, text)`).
pub fn decode_named<'v, T>(
    params: &'v Value,
    name: &str,
    with: impl FnOnce(&'v Value) -> Result<T, serde_json::Error>,
) -> Result<T, EmberError> {
    with(params.get(name).unwrap_or(&Value::Null))
        .map_err(|e| EmberError::invalid(name, e.to_string().replace(ATTRIBUTE, name)))
}

/// The text of `"abc"`, a number (`7`, as its JSON text) or a boolean, trimmed; `None` when
/// absent, `null` or blank. An array or object is an error.
fn text_of<E: de::Error>(value: Value) -> Result<Option<String>, E> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Array(_) | Value::Object(_) => return Err(E::custom(MUST_BE_STRING)),
    };
    Ok(Some(text).filter(|text| !text.is_empty()))
}

/// An optional text field (see [`text_of`]).
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    text_of(Value::deserialize(deserializer)?)
}

/// A required text field: absent, `null` or blank is "required".
pub fn required_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    text(deserializer)?.ok_or_else(|| de::Error::custom(REQUIRED))
}

/// An optional integer: a JSON integer, a JSON number with no fractional part (`30.0`), or a
/// string holding a decimal integer (`"30"`, `" 30 "`); blank is absent.
///
/// Upstream: Laravel's `integer` rule is PHP's `FILTER_VALIDATE_INT`, which accepts the float
/// `30.0` (PHP's `json_decode` gives floats for `30.0`, and PHP clients build numbers as
/// floats) but not the string `"30.0"`, nor `true`.
pub fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let invalid = || de::Error::custom(MUST_BE_INTEGER);
    match Value::deserialize(deserializer)? {
        Value::Number(number) => {
            if let Some(integer) = number.as_i64() {
                return Ok(Some(integer));
            }
            // Beyond ±2^53 a float no longer holds every integer; such values are refused.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            match number.as_f64() {
                Some(float) if float.fract() == 0.0 && float.abs() <= EXACT => {
                    Ok(Some(float as i64))
                }
                _ => Err(invalid()),
            }
        }
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => text.trim().parse().map(Some).map_err(|_| invalid()),
        Value::Null => Ok(None),
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err(invalid()),
    }
}

/// A list of ids: an array of scalars, `a[]=1&a[]=2` or `a[0]=1&a[1]=2` from a form, or a
/// comma-separated string (`ids=1,2,3`); items trimmed, empty ones dropped (the rules of
/// [`super::form::as_list`]). Absent or `null` is empty; an object or an array holding
/// containers is an error.
pub fn list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        value => as_list(&value).ok_or_else(|| de::Error::custom(MUST_BE_LIST)),
    }
}

/// Like [`list`], but a value that is not a list reads as no names: `meta` ignores what it
/// does not know, names and shapes alike.
pub fn names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(as_list(&Value::deserialize(deserializer)?).unwrap_or_default())
}

/// A nested group of parameters (`players[steam][connecting][ids][]=…`): an object decoded as
/// `T`, or nothing (`T::default()`) when absent, `null`, an empty string or an empty array.
/// Anything else is "must be an array", Laravel's word for a PHP array.
///
/// Upstream: PHP's `json_encode` writes an empty array as `[]`, never `{}`, and a form sends
/// an empty group as `players=`; both mean "none".
pub fn group<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    deserializer.deserialize_any(GroupVisitor(PhantomData))
}

/// A group of groups keyed by name (`players[<source>]`), each decoded as [`group`]. Values are
/// decoded in place, so an error still names its full path.
pub fn groups<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de> + Default,
{
    group::<D, Groups<V>>(deserializer).map(|groups| groups.0)
}

/// The entries of [`groups`], each value read through [`group`].
struct Groups<V>(BTreeMap<String, V>);

impl<V> Default for Groups<V> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<'de, V: Deserialize<'de> + Default> Deserialize<'de> for Groups<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de> + Default> de::Visitor<'de> for EntriesVisitor<V> {
            type Value = Groups<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value_seed(GroupSeed::<V>(PhantomData))?;
                    out.insert(key, value);
                }
                Ok(Groups(out))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// [`group`] as a seed, for map values.
struct GroupSeed<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> DeserializeSeed<'de> for GroupSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        group(deserializer)
    }
}

struct GroupVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> de::Visitor<'de> for GroupVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        match seq.next_element::<de::IgnoredAny>()? {
            None => Ok(T::default()),
            Some(_) => Err(de::Error::custom(MUST_BE_ARRAY)),
        }
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        if text.is_empty() {
            Ok(T::default())
        } else {
            Err(E::custom(MUST_BE_ARRAY))
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<T, E> {
        Err(E::custom(MUST_BE_ARRAY))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<T, E> {
        Err(E::custom(MUST_BE_ARRAY))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<T, E> {
        Err(E::custom(MUST_BE_ARRAY))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<T, E> {
        Err(E::custom(MUST_BE_ARRAY))
    }
}

/// A value of a closed set read from text (`scope=global`), by `parse`; blank is absent, an
/// unknown value is Laravel's "The selected … is invalid.".
pub fn choice<'de, D, T>(
    deserializer: D,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
{
    match text(deserializer)? {
        None => Ok(None),
        Some(text) => parse(&text)
            .map(Some)
            .ok_or_else(|| de::Error::custom(SELECTED_INVALID)),
    }
}

/// The name inside `prefix…\`` in one of serde's messages.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split('`').next()
}

#[cfg(test)]
mod tests;
