//! Spectra's match body on register, update and complete
//! (`backline_domain::spectra::snapshot::MatchSnapshot::parse`). Input: the path's match id on
//! the first line, the body after.
//!
//! Invariants: nothing panics; the stored document is a JSON object without `groupSecret` or
//! `tools.playercamsInfo.secret`; it reads back as the same snapshot when sent again as
//! `{"match": document}` (so storing it loses nothing Backline reads); every observed player
//! has an id; the lifecycle accepts the round phase.

use backline_domain::spectra::lifecycle::{MatchState, SnapshotCall};
use backline_domain::spectra::snapshot::{MatchSnapshot, SnapshotError};
use serde_json::Value;

/// Checks one input; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    let [path, body] = crate::parts::<2>(data);
    let path = String::from_utf8_lossy(path);
    let snapshot = match MatchSnapshot::parse(&path, body) {
        Ok(snapshot) => snapshot,
        Err(err) => {
            assert!(!err.to_string().is_empty());
            if path.is_empty() {
                assert_eq!(err, SnapshotError::EmptyMatchId);
            }
            return;
        }
    };
    assert_eq!(snapshot.match_id, path);
    assert!(snapshot.players.iter().all(|p| !p.puuid.is_empty()));
    let document: Value = serde_json::from_str(&snapshot.document)
        .unwrap_or_else(|e| panic!("document is not JSON ({e}): {}", snapshot.document));
    let fields = document.as_object().expect("the document is an object");
    assert!(!fields.contains_key("groupSecret"), "{}", snapshot.document);
    if let Some(info) = fields.get("tools").and_then(|t| t.get("playercamsInfo")) {
        assert!(info.get("secret").is_none(), "{}", snapshot.document);
    }
    let resent = format!("{{\"match\":{}}}", snapshot.document);
    let again = MatchSnapshot::parse(&path, resent.as_bytes())
        .unwrap_or_else(|e| panic!("the stored document does not parse again: {e}"));
    assert_eq!(again, snapshot);
    for call in [
        SnapshotCall::Register,
        SnapshotCall::Update,
        SnapshotCall::Complete,
    ] {
        let _: MatchState = MatchState::after(call, &snapshot.round_phase);
    }
}
