//! The operator's EVR use cases (admin API and CLI): broadcasters and matches listed in
//! pages and shown, a broadcaster removed, a match ended.
//!
//! Removing a broadcaster is EVR's unregister done for its operator; ending a match is the
//! end the match timers give an empty match. Both go through the same store units of work as
//! those paths, so an operator's action leaves the world exactly as EVR's own would.

use super::{Core, CoreError, CoreResult};
use crate::core::access::{Administer, Grant, Moderate, View};
use crate::core::audit::Audited;
use crate::core::page::{time_key, Page, PageRequest};
use crate::core::Entity;
use backline_domain::events::EventKind;
use backline_domain::evr::label::{LobbyType, MatchLabel};
use backline_domain::evr::modes::Mode;
use backline_domain::evr::records::{
    parse_sid, region_forms, Broadcaster, BroadcasterState, EvrMatch, MatchPlayer, Phase,
    HEARTBEAT_INTERVAL_SECONDS,
};
use backline_domain::evr::team::Team;
use backline_domain::ids::BroadcasterId;
use backline_domain::timestamp::{rfc3339, rfc3339_option};
use backline_domain::Timestamp;
use backline_store::Store;
use backline_store::{BroadcasterFilter, EvrMatchFilter, StoreError};
use serde::Serialize;
use serde_json::json;

/// A broadcaster id given by an operator; anything but a UUID is refused (400).
pub fn parse_broadcaster_id(text: &str) -> CoreResult<BroadcasterId> {
    parse_sid(text)
        .ok_or_else(|| CoreError::Malformed(format!("`{text}` is not a broadcaster id (a UUID)")))
}

/// A match id given by an operator; anything but `<uuid>.<node>` is refused (400).
pub fn parse_match_id(text: &str) -> CoreResult<String> {
    if EvrMatch::is_match_id(text) {
        Ok(text.to_owned())
    } else {
        Err(CoreError::Malformed(format!(
            "`{text}` is not an EVR match id (a UUID, a dot and a node name)"
        )))
    }
}

/// A broadcaster state filter: `idle`, `in_match` or `stale`.
pub fn parse_broadcaster_state(text: &str) -> CoreResult<BroadcasterState> {
    BroadcasterState::parse(text).ok_or_else(|| {
        CoreError::invalid(
            "state",
            format!("unknown state `{text}`; use idle, in_match or stale"),
        )
    })
}

/// A match state filter: `idle`, `prepared`, `started` or `ended`.
pub fn parse_match_state(text: &str) -> CoreResult<Phase> {
    Phase::parse(text).ok_or_else(|| {
        CoreError::invalid(
            "state",
            format!("unknown state `{text}`; use idle, prepared, started or ended"),
        )
    })
}

/// How an operator filters broadcasters; every given filter must hold.
#[derive(Clone, Debug, Default)]
pub struct BroadcasterQuery {
    /// The operator (owner) who registered it: a user id or username.
    pub operator: Option<String>,
    /// A region name or `0x…` symbol.
    pub region: Option<String>,
    /// Features it must all offer.
    pub features: Vec<String>,
    pub version_lock: Option<u64>,
    pub group_id: Option<String>,
    pub state: Option<BroadcasterState>,
}

/// How an operator filters EVR matches; every given filter must hold.
#[derive(Clone, Debug, Default)]
pub struct EvrMatchQuery {
    /// A mode name or symbol (`echo_arena`, `0x…`).
    pub mode: Option<String>,
    /// One state; none is every match that has not ended.
    pub state: Option<Phase>,
    pub open: Option<bool>,
    pub region: Option<String>,
    pub broadcaster: Option<BroadcasterId>,
    /// A player's user id, username or EVR id.
    pub player: Option<String>,
}

/// A broadcaster as operators see it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BroadcasterView {
    /// The session id (`sid`) registration handed out.
    pub id: String,
    /// The user who registered it (its owner), who alone may heartbeat and unregister it.
    pub operator_id: String,
    pub server_id: u64,
    /// `<internal ip>:<external ip>:<port>`, as in match labels.
    pub endpoint: String,
    pub internal_ip: String,
    pub external_ip: String,
    pub port: u16,
    pub regions: Vec<String>,
    pub version_lock: u64,
    pub features: Vec<String>,
    pub tags: Vec<String>,
    pub group_ids: Vec<String>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub registered_at: Timestamp,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_heartbeat_at: Timestamp,
    /// `stale` (no heartbeat for longer than EVR's heartbeat interval), else `in_match`
    /// (hosting a prepared or started match), else `idle`.
    pub state: BroadcasterState,
    /// Its idle (unassigned) match, waiting for a preparation.
    pub idle_match_id: Option<String>,
    /// The prepared or started match it hosts.
    pub current_match: Option<MatchSummary>,
}

/// A match in a broadcaster's view.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MatchSummary {
    pub id: String,
    pub state: Phase,
    pub mode: Option<String>,
    pub player_count: usize,
    #[serde(with = "rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<Timestamp>,
}

/// The user who registered a broadcaster.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OperatorView {
    pub id: String,
    pub username: String,
    pub display_name: String,
}

/// One broadcaster with its owner.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BroadcasterDetail {
    #[serde(flatten)]
    pub broadcaster: BroadcasterView,
    /// `None` only if the user vanished between the two reads.
    pub operator: Option<OperatorView>,
}

/// A player in a match, as operators see it (everything the raw label holds).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MatchPlayerView {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub evr_id: String,
    pub discord_id: String,
    /// `blue`, `orange`, `spectator`, `social`, `moderator` or `any`.
    #[schema(value_type = String)]
    pub team: Team,
    pub client_ip: String,
    pub party_id: String,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Timestamp,
}

impl From<&MatchPlayer> for MatchPlayerView {
    fn from(p: &MatchPlayer) -> Self {
        Self {
            user_id: p.user_id.to_string(),
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            evr_id: p.evr_id.clone(),
            discord_id: p.discord_id.clone(),
            team: p.team,
            client_ip: p.client_ip.clone(),
            party_id: p.party_id.clone(),
            joined_at: p.joined_at,
        }
    }
}

/// An EVR match as operators see it in a list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EvrMatchView {
    pub id: String,
    pub state: Phase,
    /// Whether players may join (prepared or started), the label's `open`.
    pub open: bool,
    pub lobby_type: LobbyType,
    pub mode: Option<String>,
    pub level: Option<String>,
    pub broadcaster_id: String,
    pub endpoint: String,
    pub regions: Vec<String>,
    /// Players on a team (spectators and moderators not counted), the label's `player_count`.
    pub player_count: i64,
    pub player_limit: i64,
    pub players: Vec<MatchPlayerView>,
    #[serde(with = "rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[serde(with = "rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub prepared_at: Option<Timestamp>,
    #[serde(with = "rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<Timestamp>,
    /// Since when a started match has had nobody in it (it ends after a while).
    #[serde(with = "rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub empty_since: Option<Timestamp>,
    #[serde(with = "rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<Timestamp>,
}

impl From<&EvrMatch> for EvrMatchView {
    fn from(m: &EvrMatch) -> Self {
        let label = m.label();
        let prep = m.preparation.as_ref();
        Self {
            id: m.id.clone(),
            state: m.phase,
            open: label.open,
            lobby_type: label.lobby_type,
            mode: prep.map(|p| p.mode.clone()),
            level: prep.map(|p| p.level.clone()),
            broadcaster_id: m.broadcaster_id.to_string(),
            endpoint: m.broadcaster.endpoint.clone(),
            regions: m.broadcaster.regions.clone(),
            player_count: label.player_count,
            player_limit: label.player_limit,
            players: m.players.iter().map(MatchPlayerView::from).collect(),
            created_at: m.created_at,
            prepared_at: m.prepared_at,
            started_at: m.started_at,
            empty_since: m.empty_since,
            ended_at: m.ended_at,
        }
    }
}

/// One match with its label as EVR clients see it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EvrMatchDetail {
    #[serde(flatten)]
    pub summary: EvrMatchView,
    /// The label the `match` RPC answers members of Global Private Data Access.
    #[schema(value_type = Object)]
    pub label: MatchLabel,
    /// The label the `match` RPC answers everyone else.
    #[schema(value_type = Object)]
    pub public_label: serde_json::Value,
}

impl From<&EvrMatch> for EvrMatchDetail {
    fn from(m: &EvrMatch) -> Self {
        let label = m.label();
        Self {
            summary: m.into(),
            public_label: label.public_view(),
            label,
        }
    }
}

/// A match an operator ended.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EndedMatchView {
    #[serde(flatten)]
    pub summary: EvrMatchView,
    /// Who was in the match when it ended (removed from it).
    pub removed_players: Vec<MatchPlayerView>,
    /// The broadcaster's new idle match (`null` when the broadcaster is gone).
    pub idle_match_id: Option<String>,
}

/// A broadcaster's view given its live matches.
fn broadcaster_view(
    b: &Broadcaster,
    live: &[EvrMatch],
    stale_before: Timestamp,
) -> BroadcasterView {
    let mine: Vec<&EvrMatch> = live.iter().filter(|m| m.broadcaster_id == b.sid).collect();
    let current = mine
        .iter()
        .filter(|m| m.phase.is_open())
        .max_by_key(|m| (m.created_at, m.id.clone()));
    let state = if b.heartbeat_at < stale_before {
        BroadcasterState::Stale
    } else if current.is_some() {
        BroadcasterState::InMatch
    } else {
        BroadcasterState::Idle
    };
    BroadcasterView {
        id: b.sid.to_string(),
        operator_id: b.operator_id.to_string(),
        server_id: b.server_id,
        endpoint: b.endpoint(),
        internal_ip: b.internal_ip.clone(),
        external_ip: b.external_ip.clone(),
        port: b.port,
        regions: b.regions.clone(),
        version_lock: b.version_lock,
        features: b.features.clone(),
        tags: b.tags.clone(),
        group_ids: b.group_ids.clone(),
        registered_at: b.registered_at,
        last_heartbeat_at: b.heartbeat_at,
        state,
        idle_match_id: mine
            .iter()
            .find(|m| m.phase == Phase::Idle)
            .map(|m| m.id.clone()),
        current_match: current.map(|m| MatchSummary {
            id: m.id.clone(),
            state: m.phase,
            mode: m.preparation.as_ref().map(|p| p.mode.clone()),
            player_count: m.players.iter().filter(|p| p.team.is_player()).count(),
            started_at: m.started_at,
        }),
    }
}

/// Heartbeats older than this make a broadcaster stale.
fn stale_before(now: Timestamp) -> Timestamp {
    now.plus_seconds(-HEARTBEAT_INTERVAL_SECONDS)
}

impl<S: Store> Core<S> {
    /// A page of broadcasters, oldest registration first.
    pub async fn broadcaster_page(
        &self,
        _: &Grant<View>,
        query: &BroadcasterQuery,
        page: &PageRequest,
    ) -> CoreResult<Page<BroadcasterView>> {
        let operator = match &query.operator {
            Some(who) => match self.find_user(who).await {
                Ok(user) => Some(user.id),
                // Nobody by that name registers anything.
                Err(CoreError::NotFound { .. }) => {
                    return Ok(page.page(Vec::new(), |_| String::new()))
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let now = self.now();
        let filter = BroadcasterFilter {
            operator,
            regions: query
                .region
                .as_deref()
                .map(region_forms)
                .unwrap_or_default(),
            features: query
                .features
                .iter()
                .map(|f| f.trim().to_ascii_lowercase())
                .collect(),
            version_lock: query.version_lock,
            group_id: query.group_id.clone(),
            state: query.state,
            stale_before: stale_before(now),
            seek: page.time_seek()?,
        };
        let broadcasters = self.store.page_broadcasters(&filter).await?;
        let sids: Vec<BroadcasterId> = broadcasters.iter().map(|b| b.sid.clone()).collect();
        let live = self.store.live_matches_on(&sids).await?;
        let page = page.page(broadcasters, |b| time_key(b.registered_at, b.sid.as_str()));
        Ok(page.map(|b| broadcaster_view(&b, &live, filter.stale_before)))
    }

    /// One broadcaster with its owner, idle match and current match.
    pub async fn show_broadcaster(
        &self,
        _: &Grant<View>,
        sid: &BroadcasterId,
    ) -> CoreResult<BroadcasterDetail> {
        self.find_broadcaster(sid).await
    }

    async fn find_broadcaster(&self, sid: &BroadcasterId) -> CoreResult<BroadcasterDetail> {
        let b = self
            .store
            .get_broadcaster(sid)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Broadcaster, sid))?;
        let live = self
            .store
            .live_matches_on(std::slice::from_ref(sid))
            .await?;
        let operator = self
            .store
            .get_user(&b.operator_id)
            .await?
            .map(|u| OperatorView {
                id: u.id.to_string(),
                username: u.username,
                display_name: u.display_name,
            });
        Ok(BroadcasterDetail {
            broadcaster: broadcaster_view(&b, &live, stale_before(self.now())),
            operator,
        })
    }

    /// Removes a broadcaster whoever registered it, exactly as its operator's
    /// `broadcaster/unregister` (and the heartbeat timeout) does: its idle match is deleted,
    /// its prepared matches that have not started end, and a started match keeps its players
    /// until it empties and ends as usual (its broadcaster then gets no new idle match). The
    /// game server itself may register again. The answer is the broadcaster as it was; the
    /// stream gets `broadcaster.down` (reason `removed`). Audited (naming the broadcaster) when
    /// it removed one.
    pub async fn remove_broadcaster(
        &self,
        grant: &Grant<Administer>,
        sid: &BroadcasterId,
    ) -> CoreResult<BroadcasterView> {
        let before = self.find_broadcaster(sid).await?.broadcaster;
        let now = self.now();
        let audit = grant.audit(now, Audited::Broadcasters, Some(sid.to_string()));
        if self
            .store
            .remove_broadcaster(sid, None, now, Some(&audit))
            .await?
        {
            self.publish_now(
                EventKind::BroadcasterDown,
                json!({"sid": sid, "reason": "removed"}),
            )
            .await;
            Ok(before)
        } else {
            Err(CoreError::not_found(Entity::Broadcaster, sid))
        }
    }

    /// A page of EVR matches, newest first.
    pub async fn evr_match_page(
        &self,
        _: &Grant<View>,
        query: &EvrMatchQuery,
        page: &PageRequest,
    ) -> CoreResult<Page<EvrMatchView>> {
        let mode = query
            .mode
            .as_deref()
            .map(|m| {
                Mode::find(m.trim())
                    .map(|mode| mode.name.to_owned())
                    .ok_or_else(|| CoreError::invalid("mode", format!("unknown mode `{m}`")))
            })
            .transpose()?;
        let filter = EvrMatchFilter {
            phase: query.state,
            open: query.open,
            mode,
            regions: query
                .region
                .as_deref()
                .map(region_forms)
                .unwrap_or_default(),
            broadcaster: query.broadcaster.clone(),
            player: query.player.clone().filter(|p| !p.is_empty()),
            seek: page.time_seek()?,
        };
        let matches = self.store.page_evr_matches(&filter).await?;
        Ok(page
            .page(matches, |m| time_key(m.created_at, &m.id))
            .map(|m| EvrMatchView::from(&m)))
    }

    /// One match (ended ones too) with its label and players.
    pub async fn show_evr_match(&self, _: &Grant<View>, id: &str) -> CoreResult<EvrMatchDetail> {
        let m = self
            .store
            .get_evr_match(id)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Match, id))?;
        Ok((&m).into())
    }

    /// Ends a prepared or started match now, the way the match timers end an empty one
    /// (the same store unit of work): every player is removed, the match is `ended`, and its
    /// broadcaster, when still registered, is freed with a new idle match. An idle match
    /// (nothing prepared) or an ended one is a conflict. The stream gets `evr.match.ended`
    /// (reason `operator`). Audited, naming the match.
    pub async fn end_evr_match(
        &self,
        grant: &Grant<Moderate>,
        id: &str,
    ) -> CoreResult<EndedMatchView> {
        let now = self.now();
        let audit = grant.audit(now, Audited::EvrMatches, Some(id.to_owned()));
        let ended = self
            .store
            .end_evr_match(id, now, &self.settings.node, Some(&audit))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::not_found(Entity::Match, id),
                StoreError::Conflict(msg) => CoreError::Conflict(msg),
                other => other.into(),
            })?;
        self.publish_now(
            EventKind::EvrMatchEnded,
            json!({
                "match_id": ended.ended.id,
                "sid": ended.ended.broadcaster_id,
                "reason": "operator",
                "players_removed": ended.removed_players.len(),
                "idle_match_id": ended.idle_match_id,
            }),
        )
        .await;
        Ok(EndedMatchView {
            summary: (&ended.ended).into(),
            removed_players: ended.removed_players.iter().map(Into::into).collect(),
            idle_match_id: ended.idle_match_id,
        })
    }
}
