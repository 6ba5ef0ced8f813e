//! The tolerances of the typed parameters, on values as the form decoder and JSON give them.

use super::super::fields::{BanRequest, FinishRequest, MetaRequest, PollRequest, RoleRequest};
use super::super::form::parse_form;
use super::decode;
use backline_domain::ember::bans::BanScope;
use serde_json::{json, Value};

fn form(text: &str) -> Value {
    parse_form(text).expect("a form")
}

/// The field and message of a refusal.
fn refusal<T: serde::de::DeserializeOwned + std::fmt::Debug>(params: Value) -> (String, String) {
    let e = decode::<T>(&params).expect_err("refused");
    assert_eq!(e.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    (e.field.expect("a field"), e.message)
}

#[test]
fn integers_come_as_text_numbers_or_whole_floats() {
    for params in [
        form("duration_minutes=30"),
        form("duration_minutes=+30"),
        form("duration_minutes=%2030%20"),
        json!({"duration_minutes": 30}),
        json!({"duration_minutes": "30"}),
        json!({"duration_minutes": 30.0}),
    ] {
        let ban: BanRequest = decode(&params).unwrap();
        assert_eq!(ban.duration_minutes, Some(30), "{params}");
    }
    for params in [
        form("duration_minutes="),
        json!({"duration_minutes": null}),
        json!({"duration_minutes": "  "}),
        json!({}),
    ] {
        let ban: BanRequest = decode(&params).unwrap();
        assert_eq!(ban.duration_minutes, None, "{params}");
    }
    for params in [
        form("duration_minutes=soon"),
        form("duration_minutes=30.0"),
        form("duration_minutes[]=30"),
        json!({"duration_minutes": 30.5}),
        json!({"duration_minutes": true}),
        json!({"duration_minutes": 1e300}),
        json!({"duration_minutes": u64::MAX}),
    ] {
        assert_eq!(
            refusal::<BanRequest>(params),
            (
                "duration_minutes".to_owned(),
                "The duration_minutes field must be an integer.".to_owned()
            )
        );
    }
}

#[test]
fn text_takes_scalars_trims_and_reads_blank_as_absent() {
    let finish: FinishRequest = decode(&form("error=%20boom%20")).unwrap();
    assert_eq!(finish.error.as_deref(), Some("boom"));
    let finish: FinishRequest = decode(&json!({"error": 7})).unwrap();
    assert_eq!(finish.error.as_deref(), Some("7"));
    let finish: FinishRequest = decode(&json!({"error": false})).unwrap();
    assert_eq!(finish.error.as_deref(), Some("false"));
    for params in [
        form("error="),
        form("error=+"),
        json!({"error": null}),
        json!({}),
    ] {
        let finish: FinishRequest = decode(&params).unwrap();
        assert_eq!(finish.error, None, "{params}");
    }
    assert_eq!(
        refusal::<FinishRequest>(form("error[]=x")),
        (
            "error".to_owned(),
            "The error field must be a string.".to_owned()
        )
    );
}

#[test]
fn a_required_field_is_required_absent_null_or_blank() {
    let role: RoleRequest = decode(&form("name=moderator")).unwrap();
    assert_eq!(role.name, "moderator");
    for params in [
        form(""),
        form("name="),
        form("name=%20"),
        json!({"name": null}),
    ] {
        assert_eq!(
            refusal::<RoleRequest>(params),
            ("name".to_owned(), "The name field is required.".to_owned())
        );
    }
}

#[test]
fn scopes_are_a_closed_set_in_any_case() {
    let ban: BanRequest = decode(&form("scope=GLOBAL")).unwrap();
    assert_eq!(ban.scope, Some(BanScope::Global));
    let ban: BanRequest = decode(&form("scope=")).unwrap();
    assert_eq!(ban.scope, None);
    assert_eq!(
        refusal::<BanRequest>(form("scope=planet")),
        (
            "scope".to_owned(),
            "The selected scope is invalid.".to_owned()
        )
    );
}

#[test]
fn meta_ignores_what_it_does_not_know() {
    let meta: MetaRequest = decode(&form("actions[]=settings&actions[]=x")).unwrap();
    assert_eq!(meta.actions, ["settings", "x"]);
    let meta: MetaRequest = decode(&form("actions=settings,%20x")).unwrap();
    assert_eq!(meta.actions, ["settings", "x"]);
    let meta: MetaRequest = decode(&form("actions[a][b]=settings")).unwrap();
    assert!(meta.actions.is_empty());
}

/// `(state, ids)` per source, as the handler reads them.
fn presence(request: PollRequest) -> Vec<(String, Vec<String>, Vec<String>)> {
    request
        .players
        .into_iter()
        .map(|(source, states)| (source, states.connecting.ids, states.connected.ids))
        .collect()
}

#[test]
fn poll_players_nest_by_source_and_state_in_every_spelling() {
    let expected = vec![(
        "steam".to_owned(),
        vec!["1".to_owned(), "2".to_owned()],
        vec!["3".to_owned()],
    )];
    for params in [
        form("players[steam][connecting][ids][]=1&players[steam][connecting][ids][]=2&players[steam][connected][ids][0]=3"),
        form("players[steam][connecting][ids]=1,%202,&players[steam][connected][ids]=3"),
        json!({"players": {"steam": {"connecting": {"ids": ["1", 2]}, "connected": {"ids": "3"}}}}),
    ] {
        assert_eq!(presence(decode(&params).unwrap()), expected, "{params}");
    }
    // Upstream: PHP's json_encode writes an empty array as `[]`; a form sends `players=`.
    for params in [
        form(""),
        form("players="),
        json!({"players": []}),
        json!({"players": null}),
        json!({"players": {"steam": []}}),
        json!({"players": {"steam": {"connecting": [], "connected": {}}}}),
    ] {
        let request: PollRequest = decode(&params).unwrap();
        assert!(
            presence(request)
                .iter()
                .all(|(_, a, b)| a.is_empty() && b.is_empty()),
            "{params}"
        );
    }
}

#[test]
fn poll_refusals_name_the_nested_field() {
    for (params, field) in [
        (json!({"players": "steam"}), "players"),
        (json!({"players": ["x"]}), "players"),
        (json!({"players": {"steam": 5}}), "players.steam"),
        (
            form("players[steam][sleeping][ids]=1"),
            "players.steam.sleeping",
        ),
        (
            json!({"players": {"steam": {"connecting": {"ids": {"a": {"b": 1}}}}}}),
            "players.steam.connecting.ids",
        ),
        (
            json!({"players": {"steam": {"connected": {"ids": [["1"]]}}}}),
            "players.steam.connected.ids",
        ),
    ] {
        let (got, message) = refusal::<PollRequest>(params.clone());
        assert_eq!(got, field, "{params}");
        assert!(message.contains(field), "{message}");
    }
}
