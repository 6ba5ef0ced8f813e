//! The small query language of the `match` RPC, over label fields.
//!
//! Terms are separated by spaces: `+label.mode:echo_arena` must match,
//! `-label.lobby_type:private` must not, `label.broadcaster.regions:uscn` should (matches are
//! ordered by how many "should" terms they satisfy), `*` matches everything. A field that
//! holds a list matches when any element does; values may be quoted (`"a b"`).

use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Occur {
    Must,
    MustNot,
    Should,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Term {
    occur: Occur,
    path: Vec<String>,
    value: String,
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Query {
    terms: Vec<Term>,
}

/// A query term Backline cannot read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid query term `{0}`: use [+|-]label.FIELD:VALUE or *")]
pub struct InvalidQuery(pub String);

fn split_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    terms.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        terms.push(current);
    }
    terms
}

impl Query {
    pub fn parse(text: &str) -> Result<Self, InvalidQuery> {
        let mut terms = Vec::new();
        for raw in split_terms(text) {
            if raw == "*" {
                continue;
            }
            let (occur, rest) = match raw.as_bytes()[0] {
                b'+' => (Occur::Must, &raw[1..]),
                b'-' => (Occur::MustNot, &raw[1..]),
                _ => (Occur::Should, raw.as_str()),
            };
            let (field, value) = rest
                .split_once(':')
                .ok_or_else(|| InvalidQuery(raw.clone()))?;
            let field = field
                .strip_prefix("label.")
                .ok_or_else(|| InvalidQuery(raw.clone()))?;
            if field.is_empty() || value.is_empty() {
                return Err(InvalidQuery(raw.clone()));
            }
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            terms.push(Term {
                occur,
                path: field.split('.').map(str::to_owned).collect(),
                value: value.to_owned(),
            });
        }
        Ok(Self { terms })
    }

    /// `None` when the label is excluded; otherwise how many "should" terms it satisfies.
    pub fn score(&self, label: &Value) -> Option<usize> {
        let mut score = 0;
        for term in &self.terms {
            let hit = term.matches(label);
            match term.occur {
                Occur::Must if !hit => return None,
                Occur::MustNot if hit => return None,
                Occur::Should if hit => score += 1,
                _ => {}
            }
        }
        Some(score)
    }
}

impl Term {
    fn matches(&self, label: &Value) -> bool {
        let mut node = label;
        for key in &self.path {
            match node.get(key) {
                Some(next) => node = next,
                None => return false,
            }
        }
        match node {
            Value::Array(items) => items.iter().any(|item| scalar_equals(item, &self.value)),
            other => scalar_equals(other, &self.value),
        }
    }
}

fn scalar_equals(value: &Value, wanted: &str) -> bool {
    match value {
        Value::String(s) => s == wanted,
        Value::Bool(b) => matches!((b, wanted), (true, "true" | "T") | (false, "false" | "F")),
        Value::Number(n) => n.to_string() == wanted,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn label() -> Value {
        json!({"mode": "echo_arena", "lobby_type": "public", "open": true, "size": 3,
               "broadcaster": {"regions": ["default", "uscn"], "features": []}})
    }

    #[test]
    fn must_must_not_and_should_terms_combine() {
        let q = Query::parse(
            "+label.mode:echo_arena -label.lobby_type:private label.broadcaster.regions:uscn",
        )
        .unwrap();
        assert_eq!(q.score(&label()), Some(1));
        assert_eq!(
            Query::parse("+label.mode:echo_combat")
                .unwrap()
                .score(&label()),
            None
        );
        assert_eq!(
            Query::parse("-label.lobby_type:public")
                .unwrap()
                .score(&label()),
            None
        );
        assert_eq!(
            Query::parse("label.broadcaster.regions:euw")
                .unwrap()
                .score(&label()),
            Some(0)
        );
        assert_eq!(Query::parse("*").unwrap().score(&label()), Some(0));
        assert_eq!(
            Query::parse("+label.open:T +label.size:3")
                .unwrap()
                .score(&label()),
            Some(0)
        );
        assert_eq!(
            Query::parse("+label.mode:\"echo_arena\"")
                .unwrap()
                .score(&label()),
            Some(0)
        );
    }

    #[test]
    fn malformed_terms_are_refused() {
        for bad in ["mode:echo_arena", "+label.mode", "+label.:x", "label.mode:"] {
            assert!(Query::parse(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(text in ".{0,60}") {
            let _ = Query::parse(&text);
        }
    }
}
