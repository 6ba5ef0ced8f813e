//! Printing command results: one JSON object with `--json`, short text otherwise.

use serde::Serialize;
use serde_json::Value;

/// Prints `value` as one JSON object (`--json`) or as `text()` otherwise.
pub fn emit(json: bool, value: &impl Serialize, text: impl FnOnce() -> String) {
    if json {
        println!(
            "{}",
            serde_json::to_string(value).expect("results serialise")
        );
    } else {
        println!("{}", text());
    }
}

/// A list under a named field, so `--json` still prints one object.
pub fn list<T: Serialize>(field: &str, items: &[T]) -> Value {
    let mut object = serde_json::Map::new();
    object.insert(
        field.to_owned(),
        serde_json::to_value(items).expect("results serialise"),
    );
    Value::Object(object)
}

pub fn or_dash(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// The command `action`'s grant of the capability `C`. The CLI acts as the database's owner
/// (whoever may open the database may change anything in it); the use case records its
/// change in the audit log with the actor and source `cli` and this action (`org create`).
pub fn grant<C: crate::core::access::Capability>(
    action: &str,
) -> anyhow::Result<crate::core::access::Grant<C>> {
    Ok(crate::core::access::Actor::cli(action).grant::<C>()?)
}
