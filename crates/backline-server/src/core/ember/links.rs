//! Link tokens: a game account without a login provider joins a Backline user.

use super::super::{Core, CoreError, CoreResult};
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::servers::GameServer;
use backline_domain::ids::UserId;
use backline_domain::secret::{IssuedSecret, SecretHash};
use backline_domain::Timestamp;
use backline_store::{LinkRedeemError, LinkTokenStore, LinkTokenView};
use serde::Serialize;

const LINK_TOKEN_LEN: usize = 24;

#[derive(Debug, Serialize)]
pub struct IssuedLink {
    pub token: String,
    pub url: String,
    #[serde(with = "backline_domain::timestamp::rfc3339")]
    pub expires_at: Timestamp,
}

impl Core {
    pub async fn issue_link_token(
        &self,
        server: &GameServer,
        player: &PlayerRef,
    ) -> CoreResult<IssuedLink> {
        self.user_for_player(player).await?;
        let token = IssuedSecret::generate(LINK_TOKEN_LEN);
        let now = Timestamp::now();
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
    /// token, `Precondition` for a used or expired one (as [`Core::redeem_link_token`]).
    pub async fn preview_link_token(&self, token: &str) -> CoreResult<LinkTokenView> {
        let view = self
            .store
            .find_link_token(&SecretHash::of(token.trim()))
            .await?
            .ok_or_else(|| CoreError::not_found("link token"))?;
        if view.redeemed_at.is_some() {
            return Err(CoreError::Precondition("link token already used".into()));
        }
        if view.expires_at <= Timestamp::now() {
            return Err(CoreError::Precondition("link token expired".into()));
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
            .redeem_link_token(&SecretHash::of(token.trim()), user, Timestamp::now())
            .await?
        {
            Ok(player) => Ok(player),
            Err(LinkRedeemError::Unknown) => Err(CoreError::not_found("link token")),
            Err(LinkRedeemError::Expired) => {
                Err(CoreError::Precondition("link token expired".into()))
            }
            Err(LinkRedeemError::AlreadyRedeemed) => {
                Err(CoreError::Precondition("link token already used".into()))
            }
        }
    }
}
