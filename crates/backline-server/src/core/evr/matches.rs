//! Listing matches, preparing an idle match, and allocating one on a fitting broadcaster.

use super::{Actor, Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::accounts::SystemGroup;
use backline_domain::events::EventKind;
use backline_domain::evr::bounds::{MAX_MATCH_IDS, MAX_REGIONS, MAX_ROLE_ALIGNMENTS};
use backline_domain::evr::features::{first_missing, normalise};
use backline_domain::evr::label::LobbyType;
use backline_domain::evr::modes::{Mode, DEFAULT_TEAM_SIZE};
use backline_domain::evr::query::Query;
use backline_domain::evr::records::{EvrMatch, Phase, Preparation, NIL_GROUP};
use backline_domain::evr::symbol::Symbol;
use backline_domain::evr::team::Team;
use backline_domain::ids::BroadcasterId;
use backline_domain::Timestamp;
use backline_store::{Store, StoreError};
use rand::Rng;
use serde_json::Value;
use std::collections::BTreeMap;

/// What `match/prepare` and `match/allocate` ask for.
#[derive(Clone, Debug, Default)]
pub struct PrepareRequest {
    pub mode: String,
    pub level: Option<String>,
    pub required_features: Vec<String>,
    /// 1..5 is used as given; anything else (absent included) means 5.
    pub team_size: Option<i64>,
    /// Discord id → team.
    pub role_alignments: BTreeMap<String, Team>,
    pub group_id: Option<String>,
    pub start_time: Option<Timestamp>,
    /// Allocation only: acceptable regions (any when empty).
    pub regions: Vec<String>,
}

fn require_match_maker(actor: &Actor) -> CoreResult<()> {
    if actor.in_group(SystemGroup::GlobalBots) || actor.in_group(SystemGroup::GlobalOperators) {
        Ok(())
    } else {
        Err(CoreError::MatchMakerRequired)
    }
}

impl<S: Store> Core<S> {
    /// Matches that have not ended, as `actor` may see them, filtered by ids and a query.
    pub async fn list_evr_matches(
        &self,
        actor: &Actor,
        ids: Option<&[String]>,
        query: Option<&str>,
    ) -> CoreResult<Vec<Value>> {
        if ids.is_some_and(|ids| ids.len() > MAX_MATCH_IDS) {
            return Err(CoreError::invalid(
                "match_ids",
                format!("at most {MAX_MATCH_IDS} match ids"),
            ));
        }
        let query = Query::parse(query.unwrap_or("*"))
            .map_err(|e| CoreError::invalid("query", e.to_string()))?;
        let raw = actor.in_group(SystemGroup::GlobalPrivateDataAccess);
        let mut scored: Vec<(usize, Value)> = Vec::new();
        for m in self.store.list_evr_matches(ids).await? {
            let label = m.label();
            let full = serde_json::to_value(&label).expect("labels serialise");
            if let Some(score) = query.score(&full) {
                scored.push((score, if raw { full } else { label.public_view() }));
            }
        }
        scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        Ok(scored.into_iter().map(|(_, v)| v).collect())
    }

    /// Checks a preparation request against a broadcaster's features and fills defaults.
    fn preparation(
        &self,
        actor: &Actor,
        req: &PrepareRequest,
        offered: &[String],
    ) -> CoreResult<(Preparation, Timestamp)> {
        let mode =
            Mode::find(&req.mode).ok_or_else(|| CoreError::invalid("mode", "invalid mode"))?;
        let level = match req.level.as_deref().filter(|l| !l.is_empty()) {
            Some(level) => mode
                .level(level)
                .ok_or_else(|| CoreError::invalid("level", "invalid level"))?,
            None => mode.default_level(|n| rand::thread_rng().gen_range(0..n)),
        };
        let required = normalise(&req.required_features)
            .map_err(|e| CoreError::invalid("required_features", e.to_string()))?;
        if req.role_alignments.len() > MAX_ROLE_ALIGNMENTS {
            return Err(CoreError::invalid(
                "role_alignments",
                format!("at most {MAX_ROLE_ALIGNMENTS} role alignments"),
            ));
        }
        if let Some(missing) = first_missing(&required, offered) {
            return Err(CoreError::invalid(
                "required_features",
                format!("feature not supported: {missing}"),
            ));
        }
        // NAKAMA.md: "as requested (1..5) else 5" — out of range is not an error.
        let team_size = match req.team_size {
            Some(n @ 1..=5) => n,
            _ => DEFAULT_TEAM_SIZE,
        };
        let now = self.now();
        let start_time = req.start_time.filter(|t| *t > now).unwrap_or(now);
        let spawned_by = actor.claims().map(|c| c.uid.clone()).unwrap_or_default();
        let prep = Preparation {
            mode: mode.name.to_owned(),
            level: level.to_owned(),
            lobby_type: if mode.public {
                LobbyType::Public
            } else {
                LobbyType::Private
            },
            team_size,
            player_limit: mode.player_limit(team_size),
            required_features: required,
            spawned_by,
            group_id: req
                .group_id
                .clone()
                .filter(|g| !g.is_empty())
                .unwrap_or_else(|| NIL_GROUP.to_owned()),
            role_alignments: req.role_alignments.clone(),
        };
        Ok((prep, start_time))
    }

    /// Prepares the idle match `id` (callers in Global Bots or Global Operators).
    pub async fn prepare_evr_match(
        &self,
        actor: &Actor,
        id: &str,
        req: &PrepareRequest,
    ) -> CoreResult<EvrMatch> {
        require_match_maker(actor)?;
        let current = self
            .store
            .get_evr_match(id)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Match, id))?;
        if current.phase != Phase::Idle {
            return Err(CoreError::MatchAlreadyPrepared);
        }
        let (prep, start_time) = self.preparation(actor, req, &current.broadcaster.features)?;
        let prepared = self
            .store
            .prepare_evr_match(id, &prep, start_time, self.now())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::not_found(Entity::Match, id),
                StoreError::Conflict(_) => CoreError::MatchAlreadyPrepared,
                other => other.into(),
            })?;
        self.publish_evr_match(EventKind::EvrMatchPrepared, &prepared)
            .await;
        Ok(prepared)
    }

    /// Prepares a match on a broadcaster Backline picks: idle, in the requested group and
    /// region, supporting every required feature; fewest active matches on its host first,
    /// then the longest registered.
    pub async fn allocate_evr_match(
        &self,
        actor: &Actor,
        req: &PrepareRequest,
    ) -> CoreResult<EvrMatch> {
        require_match_maker(actor)?;
        Mode::find(&req.mode).ok_or_else(|| CoreError::invalid("mode", "invalid mode"))?;
        let required = normalise(&req.required_features)
            .map_err(|e| CoreError::invalid("required_features", e.to_string()))?;
        if req.regions.len() > MAX_REGIONS {
            return Err(CoreError::invalid(
                "regions",
                format!("at most {MAX_REGIONS} regions"),
            ));
        }
        let wanted_regions: Vec<Symbol> = req.regions.iter().map(|r| Symbol::parse(r)).collect();
        let all = self.store.list_evr_matches(None).await?;
        let broadcasters = self.store.list_broadcasters().await?;
        let host_of = |sid: &BroadcasterId| {
            broadcasters
                .iter()
                .find(|b| &b.sid == sid)
                .map(|b| b.external_ip.as_str())
        };
        let active_on = |host: &str| {
            all.iter()
                .filter(|m| m.phase != Phase::Idle && host_of(&m.broadcaster_id) == Some(host))
                .count()
        };
        let mut candidates: Vec<_> = all
            .iter()
            .filter(|m| m.phase == Phase::Idle)
            .filter_map(|m| {
                broadcasters
                    .iter()
                    .find(|b| b.sid == m.broadcaster_id)
                    .map(|b| (m, b))
            })
            .filter(|(_, b)| {
                req.group_id
                    .as_ref()
                    .is_none_or(|g| g.is_empty() || b.group_ids.contains(g))
            })
            .filter(|(_, b)| {
                wanted_regions.is_empty()
                    || b.regions
                        .iter()
                        .any(|r| wanted_regions.contains(&Symbol::parse(r)))
            })
            .filter(|(_, b)| first_missing(&required, &b.features).is_none())
            .collect();
        candidates.sort_by_key(|(_, b)| (active_on(&b.external_ip), b.registered_at));
        for (m, _) in candidates {
            match self.prepare_evr_match(actor, &m.id, req).await {
                Err(CoreError::MatchAlreadyPrepared | CoreError::NotFound { .. }) => continue,
                other => return other,
            }
        }
        Err(CoreError::NoBroadcasterAvailable)
    }
}
