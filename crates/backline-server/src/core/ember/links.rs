//! Link tokens: a game account without a login provider joins a Backline user.

use super::super::{Core, CoreError, CoreResult};
use crate::core::Entity;
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::servers::GameServer;
use backline_domain::ids::UserId;
use backline_domain::secret::{IssuedSecret, SecretHash};
use backline_domain::Timestamp;
use backline_store::{LinkRedeemError, LinkTokenView, Store};
use serde::Serialize;

const LINK_TOKEN_LEN: usize = 24;

#[derive(Debug, Serialize)]
pub struct IssuedLink {
    pub token: String,
    pub url: String,
    #[serde(with = "backline_domain::timestamp::rfc3339")]
    pub expires_at: Timestamp,
}

impl<S: Store> Core<S> {
    pub async fn issue_link_token(
        &self,
        server: &GameServer,
        player: &PlayerRef,
    ) -> CoreResult<IssuedLink> {
        self.user_for_player(player).await?;
        let token = IssuedSecret::generate(LINK_TOKEN_LEN);
        let now = self.now();
        let expires_at = now.plus_seconds(self.settings.ember.link_token_ttl_seconds);
        self.store
            .insert_link_token(&token.hash(), &server.id, player, now, expires_at)
            .await?;
        let base = self.settings.ember.public_url.trim_end_matches('/');
        Ok(IssuedLink {
            url: format!("{base}/link/{}", token.expose()),
            token: token.expose().to_owned(),
            expires_at,
        })
    }

    /// The game account a token would link, without redeeming it: `NotFound` for an unknown
    /// token, `LinkTokenUsed` or `LinkTokenExpired` (as [`Core::redeem_link_token`]).
    pub async fn preview_link_token(&self, token: &str) -> CoreResult<LinkTokenView> {
        let view = self
            .store
            .find_link_token(&SecretHash::of(token.trim()))
            .await?
            .ok_or_else(|| CoreError::none_found(Entity::LinkToken))?;
        if view.redeemed_at.is_some() {
            return Err(CoreError::LinkTokenUsed);
        }
        if view.expires_at <= self.now() {
            return Err(CoreError::LinkTokenExpired);
        }
        Ok(view)
    }

    /// Links the token's game account to `user`.
    pub async fn redeem_link_token(&self, user: &UserId, token: &str) -> CoreResult<PlayerRef> {
        if token.trim().is_empty() {
            return Err(CoreError::invalid("token", "token is required"));
        }
        match self
            .store
            .redeem_link_token(&SecretHash::of(token.trim()), user, self.now())
            .await?
        {
            Ok(player) => Ok(player),
            Err(LinkRedeemError::Unknown) => Err(CoreError::none_found(Entity::LinkToken)),
            Err(LinkRedeemError::Expired) => Err(CoreError::LinkTokenExpired),
            Err(LinkRedeemError::AlreadyRedeemed) => Err(CoreError::LinkTokenUsed),
        }
    }
}

// Operators' view: list and revoke, never showing a token.
use super::super::page::{time_key, Page, PageRequest};
use crate::core::access::{Grant, Moderate, View};
use crate::core::audit::Audited;
use backline_domain::ids::{LinkTokenId, ServerId};
use backline_store::{LinkRevokeError, LinkTokenFilter, LinkTokenRecord, LinkTokenState};

/// A link token as operators see it: its id, never the token (a credential) nor its hash.
#[derive(Clone, Debug, Serialize)]
pub struct LinkTokenSummary {
    pub id: LinkTokenId,
    pub server_id: ServerId,
    /// The game account the token links.
    pub player: PlayerRef,
    /// `active` (redeemable now), `used` or `expired`.
    pub state: &'static str,
    #[serde(with = "backline_domain::timestamp::rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "backline_domain::timestamp::rfc3339")]
    pub expires_at: Timestamp,
    #[serde(with = "backline_domain::timestamp::rfc3339_option")]
    pub redeemed_at: Option<Timestamp>,
    /// The user the game account was linked to.
    pub redeemed_by: Option<UserId>,
}

fn state_name(record: &LinkTokenRecord, now: Timestamp) -> &'static str {
    if record.redeemed_at.is_some() {
        "used"
    } else if record.expires_at <= now {
        "expired"
    } else {
        "active"
    }
}

impl LinkTokenSummary {
    fn of(record: LinkTokenRecord, now: Timestamp) -> Self {
        Self {
            state: state_name(&record, now),
            id: record.id,
            server_id: record.server_id,
            player: record.player,
            created_at: record.created_at,
            expires_at: record.expires_at,
            redeemed_at: record.redeemed_at,
            redeemed_by: record.redeemed_by,
        }
    }
}

/// A link token state as operators name it: `active`, `used` or `expired`.
pub fn parse_link_state(text: &str) -> CoreResult<LinkTokenState> {
    match text {
        "active" => Ok(LinkTokenState::Active),
        "used" => Ok(LinkTokenState::Used),
        "expired" => Ok(LinkTokenState::Expired),
        other => Err(CoreError::invalid(
            "state",
            format!("unknown state `{other}`; use active, used or expired"),
        )),
    }
}

/// Which link tokens to list; every given filter must hold.
#[derive(Clone, Debug, Default)]
pub struct LinkTokenQuery {
    pub server: Option<ServerId>,
    pub state: Option<LinkTokenState>,
    pub player: Option<PlayerRef>,
}

impl<S: Store> Core<S> {
    /// A page of link tokens, newest first.
    pub async fn list_link_tokens(
        &self,
        _: &Grant<View>,
        query: LinkTokenQuery,
        page: &PageRequest,
    ) -> CoreResult<Page<LinkTokenSummary>> {
        let now = self.now();
        let filter = LinkTokenFilter {
            server: query.server,
            state: query.state,
            player: query.player,
            now,
        };
        let rows = self
            .store
            .list_link_tokens(&filter, &page.time_seek()?)
            .await?;
        Ok(page
            .page(rows, |r| time_key(r.created_at, r.id.as_str()))
            .map(|r| LinkTokenSummary::of(r, now)))
    }

    /// Revokes a token that was not used yet (it can no longer be redeemed); `NotFound` for
    /// an unknown one, `LinkTokenNotRevocable` for a used one (the link it made stays). Only
    /// a revocation that happened is audited.
    pub async fn revoke_link_token(
        &self,
        grant: &Grant<Moderate>,
        id: &LinkTokenId,
    ) -> CoreResult<LinkTokenSummary> {
        let audit = grant.audit(self.now(), Audited::LinkTokens, Some(id.to_string()));
        match self.store.revoke_link_token(id, Some(&audit)).await? {
            Ok(record) => Ok(LinkTokenSummary::of(record, self.now())),
            Err(LinkRevokeError::Unknown) => Err(CoreError::not_found(Entity::LinkToken, id)),
            Err(LinkRevokeError::AlreadyRedeemed) => {
                Err(CoreError::LinkTokenNotRevocable { id: id.to_string() })
            }
        }
    }
}
