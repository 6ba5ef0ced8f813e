//! Reading JSON objects as objects only.
//!
//! Serde's derived structs also read a JSON array by position (`["a", 1]` as the struct's
//! fields in order), which no client of Backline means: a body or snapshot with an array where
//! an object belongs is refused, as the documents say. [`Object`] reads a struct from a JSON
//! object only, in the same single pass (no intermediate value is built).

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A `T` read from a JSON object only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Visit<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<T, M::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Visit(PhantomData)).map(Object)
    }
}

/// For `#[serde(deserialize_with = "objects")]`: a list whose items are objects.
pub fn objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Vec::<Object<T>>::deserialize(d)?
        .into_iter()
        .map(|o| o.0)
        .collect())
}

/// For `#[serde(default, deserialize_with = "optional_object")]`: an object, `null` or
/// absent.
pub fn optional_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Object<T>>::deserialize(d)?.map(|o| o.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Pair {
        a: Option<i64>,
        b: Option<i64>,
    }

    #[test]
    fn objects_are_read_and_arrays_refused() {
        let Object(pair) = serde_json::from_str::<Object<Pair>>(r#"{"a": 1}"#).unwrap();
        assert_eq!(
            pair,
            Pair {
                a: Some(1),
                b: None
            }
        );
        // What the derived impl alone accepts:
        assert!(serde_json::from_str::<Pair>("[1, 2]").is_ok());
        for refused in ["[1, 2]", "[null, null]", "null", "1"] {
            assert!(
                serde_json::from_str::<Object<Pair>>(refused).is_err(),
                "{refused}"
            );
        }
    }
}
