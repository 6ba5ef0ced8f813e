//! A Spectra `match` body, parsed leniently and stripped of the secrets it carries.
//!
//! Upstream: Spectra Server sends its whole match object (13–20 KB) on register, update and
//! complete, minus a few internal fields. Unknown fields are normal and kept; the fields
//! Backline relies on must have the right type when present.

use super::lifecycle::Progress;
use super::player::ObservedPlayer;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// Why a `{"match": …}` body was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnapshotError {
    #[error("the body is not valid JSON: {0}")]
    Syntax(String),
    #[error("{0}")]
    Shape(String),
    #[error("the matchId in the path (`{path}`) differs from match.matchId (`{body}`)")]
    MatchIdMismatch { path: String, body: String },
    #[error("the matchId in the path must not be empty")]
    EmptyMatchId,
}

/// The parts of a match body Backline reads, with the whole (sanitised) document.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchSnapshot {
    pub match_id: String,
    pub group_code: String,
    /// `None` when Spectra accepted the match without a key (`organizationId: ""`).
    pub organization_id: Option<String>,
    pub round_number: i64,
    pub round_phase: String,
    pub map: Option<String>,
    pub match_type: Option<String>,
    pub players: Vec<ObservedPlayer>,
    /// Rounds won by each team, in the order of `teams` (absent or non-numeric: 0).
    pub score: Vec<i64>,
    /// The match object as JSON text, in the client's key order, without `groupSecret` and
    /// `tools.playercamsInfo.secret`.
    pub document: String,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, rename = "match")]
    match_: &'a RawValue,
}

/// The typed view used to check field types; absent fields take their defaults. Fields not
/// named here are skipped without being built.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MatchView {
    match_id: Option<String>,
    group_code: String,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default, deserialize_with = "whole")]
    round_number: i64,
    #[serde(default)]
    round_phase: String,
    #[serde(default)]
    map: Option<String>,
    #[serde(default)]
    match_type: Option<String>,
    #[serde(default, deserialize_with = "crate::json::objects")]
    teams: Vec<TeamView>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamView {
    #[serde(default, deserialize_with = "crate::json::objects")]
    players: Vec<PlayerView>,
    /// Read leniently: the score is shown, never relied on.
    #[serde(default)]
    rounds_won: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlayerView {
    #[serde(default)]
    riot_id: Option<String>,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default, rename = "currentMMRTier", deserialize_with = "whole_or_null")]
    current_mmr_tier: Option<i64>,
    #[serde(default, rename = "peakMMRTier", deserialize_with = "whole_or_null")]
    peak_mmr_tier: Option<i64>,
}

/// An integer, also written with a zero fraction (`-58.0`, which JSON Schema's `integer`
/// allows and JavaScript's `JSON.stringify` never writes, but other senders may).
fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(d)?;
    number
        .as_i64()
        .or_else(|| {
            let f = number.as_f64()?;
            (f.fract() == 0.0 && f > i64::MIN as f64 && f < i64::MAX as f64).then_some(f as i64)
        })
        .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {number}")))
}

/// As [`whole`], or `null`.
fn whole_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole")] i64);
    Ok(Option::<Whole>::deserialize(d)?.map(|w| w.0))
}

/// The top-level members of an object, raw and in order.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut members = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// Any JSON value, read as `Value` would read it (so a number out of range is an error) but
/// without building anything: checking a 20 KB snapshot must not allocate its whole tree.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Checked)
    }
}

impl<'de> serde::de::Visitor<'de> for Checked {
    type Value = Checked;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
}

/// The match object as JSON text without its secrets: members are copied raw, except
/// `groupSecret` (dropped) and `tools` (re-written without `playercamsInfo.secret`).
fn sanitised(members: &Members<'_>) -> Result<String, SnapshotError> {
    let mut out = String::with_capacity(
        members
            .0
            .iter()
            .map(|(k, v)| k.len() + v.get().len() + 4)
            .sum(),
    );
    out.push('{');
    for (key, value) in &members.0 {
        if key == "groupSecret" {
            continue;
        }
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key).expect("strings serialise"));
        out.push(':');
        if key == "tools" {
            let mut tools: Value = serde_json::from_str(value.get())
                .map_err(|e| SnapshotError::Shape(format!("match.tools: {e}")))?;
            if let Some(info) = tools
                .get_mut("playercamsInfo")
                .and_then(Value::as_object_mut)
            {
                info.remove("secret");
            }
            out.push_str(&tools.to_string());
        } else {
            out.push_str(value.get());
        }
    }
    out.push('}');
    Ok(out)
}

impl MatchSnapshot {
    /// Parses a register/update/complete body for the match named in the path.
    pub fn parse(path_match_id: &str, body: &[u8]) -> Result<Self, SnapshotError> {
        if path_match_id.is_empty() {
            return Err(SnapshotError::EmptyMatchId);
        }
        let envelope: Envelope<'_> = typed(body, "")?;
        let raw = envelope.match_.get();
        // `RawValue` keeps numbers without checking their range: `1e400` would be stored, and
        // then the stored document could not be read back. Refuse it like any invalid JSON.
        serde_json::from_str::<Checked>(raw).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                SnapshotError::Syntax(e.to_string())
            } else {
                SnapshotError::Shape(format!("match: {e}"))
            }
        })?;
        let members: Members<'_> = serde_json::from_str(raw)
            .map_err(|_| SnapshotError::Shape("`match` must be an object".into()))?;
        let view: MatchView = typed(raw.as_bytes(), "match.")?;
        if let Some(body_id) = view.match_id.as_deref() {
            if body_id != path_match_id {
                return Err(SnapshotError::MatchIdMismatch {
                    path: path_match_id.to_owned(),
                    body: body_id.to_owned(),
                });
            }
        }
        let document = sanitised(&members)?;
        let score = view
            .teams
            .iter()
            .map(|t| t.rounds_won.as_ref().and_then(Value::as_i64).unwrap_or(0))
            .collect();
        let players = view
            .teams
            .into_iter()
            .flat_map(|t| t.players)
            .filter_map(|p| {
                let puuid = p.riot_id.filter(|id| !id.is_empty())?;
                Some(ObservedPlayer {
                    puuid,
                    full_name: p.full_name.filter(|n| !n.is_empty()),
                    current_tier: p.current_mmr_tier,
                    peak_tier: p.peak_mmr_tier,
                })
            })
            .collect();
        Ok(Self {
            match_id: path_match_id.to_owned(),
            group_code: view.group_code,
            organization_id: view.organization_id.filter(|o| !o.is_empty()),
            round_number: view.round_number,
            round_phase: view.round_phase,
            map: view.map.filter(|m| !m.is_empty()),
            match_type: view.match_type,
            players,
            score,
            document,
        })
    }

    pub fn progress(&self, is_final: bool) -> Progress {
        Progress {
            is_final,
            round_number: self.round_number,
        }
    }
}

/// Reads a `T` from `text`; on failure, reads it again tracking the path so that the error
/// names the field (`prefix` + path). Tracking costs an allocation per key visited, so the
/// valid bodies that are the rule do not pay it.
fn typed<'a, T: Deserialize<'a>>(text: &'a [u8], prefix: &str) -> Result<T, SnapshotError> {
    serde_json::from_slice(text).or_else(|_| {
        let de = &mut serde_json::Deserializer::from_slice(text);
        serde_path_to_error::deserialize(de).map_err(|e| classify(e, prefix))
    })
}

fn classify(e: serde_path_to_error::Error<serde_json::Error>, prefix: &str) -> SnapshotError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return SnapshotError::Syntax(inner.to_string());
    }
    let at = if path == "." {
        String::new()
    } else {
        format!("{prefix}{path}: ")
    };
    SnapshotError::Shape(format!("{at}{inner}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(m: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({ "match": m })).unwrap()
    }

    #[test]
    fn secrets_are_stripped_and_everything_else_kept() {
        let raw = body(json!({
            "matchId": "m1", "groupCode": "GC", "groupSecret": "S3CRET", "roundNumber": 4,
            "roundPhase": "shopping", "organizationId": "",
            "tools": {"playercamsInfo": {"identifier": "id", "secret": "PCS", "enable": true}, "x": 1},
            "teams": [{"players": [{"riotId": "p1", "fullName": "A#EU", "currentMMRTier": 12, "peakMMRTier": null}]}]
        }));
        let snap = MatchSnapshot::parse("m1", &raw).unwrap();
        let text = &snap.document;
        assert!(!text.contains("S3CRET") && !text.contains("PCS"));
        let document: Value = serde_json::from_str(text).unwrap();
        assert_eq!(document["tools"]["playercamsInfo"]["identifier"], "id");
        assert_eq!(document["tools"]["x"], 1);

        assert_eq!(snap.organization_id, None);
        assert_eq!(snap.round_number, 4);
        assert_eq!(
            snap.players,
            vec![ObservedPlayer {
                puuid: "p1".into(),
                full_name: Some("A#EU".into()),
                current_tier: Some(12),
                peak_tier: None
            }]
        );
    }

    #[test]
    fn teams_and_players_are_objects_and_integers_may_have_a_zero_fraction() {
        let raw = body(json!({
            "groupCode": "GC", "roundNumber": 3.0,
            "teams": [{"players": [{"riotId": "p1", "currentMMRTier": -58.0, "peakMMRTier": 7}]}]
        }));
        let snap = MatchSnapshot::parse("m1", &raw).unwrap();
        assert_eq!(snap.round_number, 3);
        assert_eq!(snap.players[0].current_tier, Some(-58));
        for (m, field) in [
            (
                json!({"groupCode": "GC", "teams": [["a", 1]]}),
                "match.teams[0]",
            ),
            (
                json!({"groupCode": "GC", "teams": [null]}),
                "match.teams[0]",
            ),
            (
                json!({"groupCode": "GC", "teams": [{"players": [["p1", "A#EU"]]}]}),
                "match.teams[0].players[0]",
            ),
            (
                json!({"groupCode": "GC", "roundNumber": 2.5}),
                "match.roundNumber",
            ),
            (
                json!({"groupCode": "GC", "teams": [{"players": [{"peakMMRTier": 1.5}]}]}),
                "match.teams[0].players[0].peakMMRTier",
            ),
        ] {
            match MatchSnapshot::parse("m1", &body(m.clone())) {
                Err(SnapshotError::Shape(msg)) => assert!(msg.starts_with(field), "{m}: {msg}"),
                other => panic!("{m}: {other:?}"),
            }
        }
    }

    #[test]
    fn members_keep_the_clients_order_and_text() {
        let raw = br#"{"match": {"zeta": 1, "matchId": "m1", "groupSecret": "S", "groupCode": "GC", "alpha": [1, 2.50]}}"#;
        let snap = MatchSnapshot::parse("m1", raw).unwrap();
        assert_eq!(
            snap.document,
            r#"{"zeta":1,"matchId":"m1","groupCode":"GC","alpha":[1, 2.50]}"#
        );
    }

    #[test]
    fn wrong_types_name_the_field() {
        let raw = body(json!({"matchId": "m1", "groupCode": "GC", "roundNumber": "three"}));
        match MatchSnapshot::parse("m1", &raw).unwrap_err() {
            SnapshotError::Shape(msg) => assert!(msg.contains("match.roundNumber"), "{msg}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_json_is_a_syntax_error() {
        assert!(matches!(
            MatchSnapshot::parse("m1", b"{\"match\": {"),
            Err(SnapshotError::Syntax(_))
        ));
    }

    /// Found by the `spectra_match` fuzz target (fuzz/crashes/spectra_match/): a number out of
    /// `f64`'s range in any field was accepted and stored, and the stored document then failed
    /// to read back (the match answered 5xx from then on).
    #[test]
    fn numbers_out_of_range_anywhere_are_a_syntax_error() {
        for raw in [
            &br#"{"match": {"matchId": "m1", "groupCode": "GC", "extra": [1, 1e400]}}"#[..],
            br#"{"match": {"matchId": "m1", "groupCode": "GC", "tools": {"x": -1e999}}}"#,
        ] {
            assert!(matches!(
                MatchSnapshot::parse("m1", raw),
                Err(SnapshotError::Syntax(msg)) if msg.contains("number out of range")
            ));
        }
    }

    #[test]
    fn missing_group_code_and_non_object_match_are_refused() {
        assert!(matches!(
            MatchSnapshot::parse("m1", &body(json!({"matchId": "m1"}))),
            Err(SnapshotError::Shape(_))
        ));
        assert!(matches!(
            MatchSnapshot::parse("m1", &body(json!([1]))),
            Err(SnapshotError::Shape(_))
        ));
        assert!(matches!(
            MatchSnapshot::parse("m1", b"{}"),
            Err(SnapshotError::Shape(_))
        ));
    }

    #[test]
    fn path_and_body_ids_must_agree_and_path_must_not_be_empty() {
        let raw = body(json!({"matchId": "m2", "groupCode": "GC"}));
        assert!(matches!(
            MatchSnapshot::parse("m1", &raw),
            Err(SnapshotError::MatchIdMismatch { .. })
        ));
        assert_eq!(
            MatchSnapshot::parse("", &raw).unwrap_err(),
            SnapshotError::EmptyMatchId
        );
    }

    #[test]
    fn the_recorded_bodies_parse() {
        for name in ["register", "update", "complete"] {
            let path = format!(
                "{}/../backline-server/tests/data/spectra/{name}_body.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let raw = std::fs::read(&path).unwrap();
            let snap = MatchSnapshot::parse("0b8e6a1c-1111-4222-8333-944445555666", &raw).unwrap();
            assert_eq!(snap.group_code, "TESTGC");
            assert_eq!(snap.players.len(), 10);
            assert!(
                !snap.document.contains("groupSecret") && !snap.document.contains("D9ES7V4GWFDE")
            );
            let reparsed: Value = serde_json::from_str(&snap.document).unwrap();
            assert_eq!(reparsed["teams"].as_array().unwrap().len(), 2);
        }
    }
}
