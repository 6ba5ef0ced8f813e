//! The `match` RPC's query language (`backline_domain::evr::query`). Input: the query text on
//! the first line; the rest, when it is JSON, is a match label to score.
//!
//! Invariants: parsing and scoring never panic; a refusal names a term of the query; `*`
//! terms change nothing; a query that parses scores every label (the one given and a few
//! fixed ones) without panicking, and a query of only `*` scores every label 0.

use backline_domain::evr::query::Query;
use serde_json::{json, Value};

/// Checks one input; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let [text, label] = crate::parts::<2>(data);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let mut labels = vec![
        json!({"mode": "echo_arena", "lobby_type": "public", "open": true, "size": 3,
               "broadcaster": {"regions": ["default", "uscn"], "features": []}}),
        json!({"mode": null, "size": 1.5, "open": false, "list": [[1], {"a": 1}, null, "x"]}),
        json!([1, 2, 3]),
        json!("label"),
    ];
    if let Ok(label) = serde_json::from_slice::<Value>(label) {
        labels.push(label);
    }
    match Query::parse(text) {
        Err(err) => {
            assert!(!err.0.is_empty(), "an empty term was refused in {text:?}");
            assert!(
                text.contains(&err.0),
                "refused term {:?} is not in {text:?}",
                err.0
            );
        }
        Ok(query) => {
            for label in &labels {
                let _ = query.score(label);
            }
            let balanced = text.matches('"').count() % 2 == 0;
            if balanced {
                let starred = Query::parse(&format!("* {text} *"));
                assert_eq!(starred.as_ref(), Ok(&query), "`*` changed {text:?}");
            }
        }
    }
    let star = Query::parse("*").expect("`*` parses");
    for label in &labels {
        assert_eq!(star.score(label), Some(0));
    }
}
