//! Joining and leaving matches.
//!
//! An EVR id belongs to one account: a join claims it for the caller (linking it on first
//! use, in the store's join transaction) and is refused with EVR's `BadRequest` when another
//! account holds it. Bots and operators follow the same rule; nobody acts with another
//! account's id.

use super::{Actor, Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::accounts::{check_account_id, SystemGroup};
use backline_domain::events::EventKind;
use backline_domain::evr::bounds::MAX_FEATURES;
use backline_domain::evr::lobby::{FailureCode, JoinFailure, Joiner, Lobby, Occupant};
use backline_domain::evr::modes::Mode;
use backline_domain::evr::records::{EvrMatch, MatchPlayer};
use backline_domain::evr::team::Team;
use backline_store::Store;

/// What a player sends to join.
#[derive(Clone, Debug)]
pub struct JoinRequest {
    pub match_id: String,
    pub evr_id: String,
    pub features: Vec<String>,
    pub team: Team,
    pub party_id: String,
    pub client_ip: String,
}

/// The outcome of a join: the match as joined and the player's team, or EVR's failure.
pub type JoinOutcome = Result<(EvrMatch, Team), JoinFailure>;

impl<S: Store> Core<S> {
    pub async fn join_evr_match(&self, actor: &Actor, req: JoinRequest) -> CoreResult<JoinOutcome> {
        let claims = actor.claims()?.clone();
        if req.evr_id.trim().is_empty() {
            return Ok(Err(JoinFailure::new(
                FailureCode::BadRequest,
                "evr_id is required",
            )));
        }
        if check_account_id(&req.evr_id).is_err() {
            return Ok(Err(JoinFailure::new(
                FailureCode::BadRequest,
                "evr_id is longer than 128 characters",
            )));
        }
        if req.features.len() > MAX_FEATURES {
            return Ok(Err(JoinFailure::new(
                FailureCode::BadRequest,
                format!("at most {MAX_FEATURES} features"),
            )));
        }
        let user = self.find_user(&claims.uid).await?;
        let discord_id = self
            .external_id(&user.id, "discord")
            .await?
            .unwrap_or_default();
        // Bots and developers may sit in several matches at once.
        let exclusive = !(actor.in_group(SystemGroup::GlobalBots)
            || actor.in_group(SystemGroup::GlobalDevelopers));
        let now = self.now();
        let outcome = self
            .store
            .join_evr_match(
                &req.match_id,
                &user.id,
                &req.evr_id,
                exclusive,
                now,
                |m: &EvrMatch| {
                    let occupants: Vec<Occupant> = m
                        .players
                        .iter()
                        .map(|p| Occupant {
                            session_id: p.session_id.clone(),
                            evr_id: p.evr_id.clone(),
                            team: p.team,
                        })
                        .collect();
                    let label = m.label();
                    let prep = m.preparation.as_ref();
                    let required = prep
                        .map(|p| p.required_features.clone())
                        .unwrap_or_default();
                    let lobby = Lobby {
                        lobby_type: label.lobby_type,
                        open: label.open,
                        social: prep
                            .and_then(|p| Mode::find(&p.mode))
                            .is_some_and(|mode| mode.social),
                        limit: label.limit,
                        player_limit: label.player_limit,
                        team_size: label.team_size,
                        required_features: &required,
                        occupants: &occupants,
                    };
                    let joiner = Joiner {
                        session_id: &claims.tid,
                        evr_id: &req.evr_id,
                        features: &req.features,
                        requested: req.team,
                        aligned: m.aligned_team(&discord_id),
                    };
                    let team = lobby.decide(&joiner)?;
                    Ok(MatchPlayer {
                        session_id: claims.tid.clone(),
                        user_id: user.id.clone(),
                        username: user.username.clone(),
                        display_name: user.display_name.clone(),
                        evr_id: req.evr_id.clone(),
                        discord_id: discord_id.clone(),
                        team,
                        client_ip: req.client_ip.clone(),
                        party_id: req.party_id.clone(),
                        joined_at: now,
                    })
                },
            )
            .await?;
        Ok(match outcome {
            None => Err(JoinFailure::new(
                FailureCode::ServerDoesNotExist,
                "match not found",
            )),
            Some(Ok(joined)) => {
                // This join started the match when it stamped the start with its own time.
                if joined.started_at == Some(now) {
                    self.publish_evr_match(EventKind::EvrMatchStarted, &joined)
                        .await;
                }
                let team = joined
                    .players
                    .iter()
                    .find(|p| p.session_id == claims.tid)
                    .map_or(Team::Any, |p| p.team);
                Ok((joined, team))
            }
            Some(Err(failure)) => Err(failure),
        })
    }

    /// Leaves a match; false when this session was not in it.
    pub async fn leave_evr_match(&self, actor: &Actor, match_id: &str) -> CoreResult<bool> {
        let claims = actor.claims()?;
        if self.store.get_evr_match(match_id).await?.is_none() {
            return Err(CoreError::not_found(Entity::Match, match_id));
        }
        Ok(self
            .store
            .leave_evr_match(match_id, &claims.tid, self.now())
            .await?)
    }
}
