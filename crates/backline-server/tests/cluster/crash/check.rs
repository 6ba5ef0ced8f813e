//! After a restart: every acknowledged write of the [`Ledger`] is stored as acknowledged,
//! and what is stored (acknowledged or not) is whole and consistent.

use super::load::Ledger;
use backline_domain::accounts::ExternalAccount;
use backline_domain::ember::actions::ExecutionStatus;
use backline_domain::evr::records::Phase;
use backline_domain::ids::UserId;
use backline_domain::spectra::lifecycle::MatchState;
use backline_store::{
    BanStore, EvrStore, ExecutionStore, MatchFilter, MatchStore, SqlStore, UserStore,
};
use std::collections::{BTreeMap, BTreeSet};

/// Checks the ledger against the store; `full` also reads every stored Spectra snapshot
/// and every acknowledged user one by one (done after the last kill).
pub async fn check(store: &SqlStore, ledger: &mut Ledger, full: bool, context: &str) {
    spectra(store, ledger, full, context).await;
    bans(store, ledger, full, context).await;
    executions(store, ledger, context).await;
    evr(store, ledger, full, context).await;
}

async fn spectra(store: &SqlStore, ledger: &Ledger, full: bool, context: &str) {
    let filter = MatchFilter {
        limit: i64::MAX,
        ..MatchFilter::default()
    };
    let stored: BTreeMap<String, _> = store
        .list_matches(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.match_id.clone(), m))
        .collect();
    for (id, (round, completed)) in &ledger.matches {
        let record = stored
            .get(id)
            .unwrap_or_else(|| panic!("{context}: acknowledged match {id} is missing"));
        assert!(
            record.round_number >= *round,
            "{context}: match {id} is at round {} after round {round} was acknowledged",
            record.round_number
        );
        if *completed {
            assert_eq!(
                (record.state, record.completed_at.is_some()),
                (MatchState::Completed, true),
                "{context}: acknowledged complete of {id} is lost: {record:?}"
            );
        }
    }
    for record in stored.values() {
        assert_eq!(
            record.completed_at.is_some(),
            matches!(record.state, MatchState::Completed | MatchState::Abandoned),
            "{context}: {record:?}"
        );
    }
    if full {
        for id in stored.keys() {
            for record in store.get_match(id).await.unwrap() {
                let snapshot = record.snapshot.as_ref().expect("a stored snapshot");
                assert_eq!(
                    (
                        snapshot["matchId"].as_str(),
                        snapshot["roundNumber"].as_i64(),
                        snapshot["roundPhase"].as_str()
                    ),
                    (
                        Some(id.as_str()),
                        Some(record.round_number),
                        Some(record.round_phase.as_str())
                    ),
                    "{context}: the snapshot of {id} and its columns disagree"
                );
            }
        }
    }
}

async fn bans(store: &SqlStore, ledger: &Ledger, full: bool, context: &str) {
    let users: BTreeSet<&String> = ledger.bans.values().map(|(user, _)| user).collect();
    let mut stored = BTreeMap::new();
    let users: Vec<UserId> = users.into_iter().map(UserId::from_string).collect();
    for chunk in users.chunks(500) {
        for ban in store.bans_of(chunk).await.unwrap() {
            stored.insert(ban.id.to_string(), ban);
        }
    }
    for (id, (user, reason)) in &ledger.bans {
        let ban = stored
            .get(id)
            .unwrap_or_else(|| panic!("{context}: acknowledged ban {id} is missing"));
        assert_eq!(
            (ban.user_id.to_string(), &ban.reason, ban.lifted_at),
            (user.clone(), reason, None),
            "{context}: ban {id}"
        );
        if full {
            // The user made for the banned game account holds that account.
            let account = ExternalAccount::new(&ban.source, &ban.account_id);
            let holder = store.find_user_by_external(&account).await.unwrap();
            assert_eq!(
                holder.map(|u| u.id.to_string()),
                Some(user.clone()),
                "{context}: ban {id}: the account's user"
            );
        }
    }
}

async fn executions(store: &SqlStore, ledger: &Ledger, context: &str) {
    let stored: BTreeMap<i64, _> = store
        .list_executions(None, None, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.id.0, e))
        .collect();
    for id in &ledger.delivered {
        let e = stored
            .get(id)
            .unwrap_or_else(|| panic!("{context}: delivered execution {id} is missing"));
        assert!(
            e.status != ExecutionStatus::Queued && e.attempts >= 1,
            "{context}: the acknowledged delivery of {id} is lost: {e:?}"
        );
    }
    for (id, error) in &ledger.finished {
        let e = &stored[id];
        let expected = if error.is_some() {
            ExecutionStatus::Failed
        } else {
            ExecutionStatus::Finished
        };
        assert_eq!(
            (e.status, &e.error),
            (expected, error),
            "{context}: the acknowledged finish of {id} is lost"
        );
    }
    for e in stored.values() {
        let done = matches!(
            e.status,
            ExecutionStatus::Finished | ExecutionStatus::Failed
        );
        assert_eq!(e.finished_at.is_some(), done, "{context}: {e:?}");
        assert_eq!(
            e.error.is_some(),
            e.status == ExecutionStatus::Failed,
            "{context}: {e:?}"
        );
        if e.status == ExecutionStatus::Leased {
            assert!(
                e.attempts >= 1 && e.lease_until.is_some(),
                "{context}: {e:?}"
            );
        }
    }
}

async fn evr(store: &SqlStore, ledger: &mut Ledger, full: bool, context: &str) {
    let broadcasters: BTreeSet<String> = store
        .list_broadcasters()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.sid.to_string())
        .collect();
    for sid in &ledger.broadcasters {
        assert!(
            broadcasters.contains(sid),
            "{context}: acknowledged broadcaster {sid} is missing"
        );
    }
    let matches: BTreeMap<String, _> = store
        .list_evr_matches(None)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect();
    for (id, mode) in &ledger.prepared {
        let m = matches
            .get(id)
            .unwrap_or_else(|| panic!("{context}: acknowledged prepared match {id} is missing"));
        assert!(
            matches!(m.phase, Phase::Prepared | Phase::Started),
            "{context}: the acknowledged preparation of {id} is lost: {:?}",
            m.phase
        );
        assert_eq!(
            m.preparation.as_ref().map(|p| p.mode.as_str()),
            Some(mode.as_str()),
            "{context}: {id}"
        );
    }
    for (id, user, evr_id) in &ledger.joined {
        let m = &matches[id];
        assert!(
            m.players
                .iter()
                .any(|p| p.user_id.to_string() == *user && p.evr_id == *evr_id),
            "{context}: the acknowledged join of {user} to {id} is lost: {:?}",
            m.players
        );
    }
    let mut idle_per_broadcaster = BTreeMap::<String, usize>::new();
    let mut seats = BTreeMap::<&str, usize>::new();
    for m in matches.values() {
        assert!(
            broadcasters.contains(&m.broadcaster_id.to_string()),
            "{context}: match {} has no broadcaster",
            m.id
        );
        if m.phase == Phase::Idle {
            *idle_per_broadcaster
                .entry(m.broadcaster_id.to_string())
                .or_default() += 1;
        }
        assert!(
            m.players.is_empty() || m.phase == Phase::Started,
            "{context}: match {} has players but is {:?}",
            m.id,
            m.phase
        );
        for p in &m.players {
            *seats.entry(p.evr_id.as_str()).or_default() += 1;
        }
    }
    assert!(
        idle_per_broadcaster.values().all(|n| *n == 1),
        "{context}: a broadcaster has several idle matches"
    );
    assert!(
        seats.values().all(|n| *n == 1),
        "{context}: an EVR id sits in two matches"
    );
    let users: Vec<String> = if full {
        ledger.users.iter().cloned().collect()
    } else {
        std::mem::take(&mut ledger.new_users).into_iter().collect()
    };
    for user in users {
        assert!(
            store
                .get_user(&UserId::from_string(&user))
                .await
                .unwrap()
                .is_some(),
            "{context}: the user of an acknowledged login, {user}, is missing"
        );
    }
}
