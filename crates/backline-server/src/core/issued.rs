//! How a newly issued secret is shown, the one time it is: the stored record's fields plus
//! the secret under a named field. The admin API and the CLI's `--json` print the same.

use serde::Serialize;
use serde_json::Value;

/// `record` as a JSON object with `field: secret` added.
pub fn with_secret(record: &impl Serialize, field: &str, secret: &str) -> Value {
    let mut value = serde_json::to_value(record).expect("domain records serialise");
    if let Some(object) = value.as_object_mut() {
        object.insert(field.to_owned(), Value::String(secret.to_owned()));
    }
    value
}
