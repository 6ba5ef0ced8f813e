//! The game integration's player routes: bans, roles, the primary role and link tokens
//! (`/api/game/players/{source}/{account_id}/…`).

use super::{GameClient, Player};
use crate::error::Result;
use crate::transport::segment;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A ban's scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BanScope {
    /// Every server and the website.
    Global,
    /// The issuing server's ban group.
    Server,
    /// The website only.
    Web,
    /// A scope this SDK does not know.
    #[serde(other)]
    Other,
}

/// Who issued a ban.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BanIssuer {
    /// A game server (the game integration).
    Server,
    /// An operator (admin API, console, CLI).
    Operator,
    #[serde(other)]
    Other,
}

/// A ban, as Backline stores it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Ban {
    pub id: String,
    pub user_id: String,
    pub source: String,
    pub account_id: String,
    pub scope: BanScope,
    /// For `server` bans: the server group it applies to.
    #[serde(default)]
    pub server_group: Option<String>,
    #[serde(default)]
    pub admin_user_id: Option<String>,
    pub issued_by: BanIssuer,
    pub reason: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; `None`: permanent.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// RFC 3339, when lifted.
    #[serde(default)]
    pub lifted_at: Option<String>,
}

/// A ban a game server issues.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NewBan {
    /// `None`: `server`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<BanScope>,
    /// `None` or 0: permanent; at most 52,560,000 (100 years).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u64>,
    /// Free text, at most 1000 characters.
    pub reason: String,
    /// The issuing admin's account id at the banned player's source, if any.
    #[serde(skip)]
    pub admin_account_id: Option<String>,
}

/// A single-use link token and the page the player opens to link the account.
#[derive(Clone, Deserialize)]
pub struct LinkToken {
    /// The token (a credential: redeemable by whoever holds it).
    pub token: crate::Secret,
    /// The link page, with the token in it (a credential too).
    pub url: crate::Secret,
    /// RFC 3339.
    pub expires_at: String,
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkToken")
            .field("token", &self.token)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct BanBody {
    ban: Ban,
}

#[derive(Deserialize)]
struct NameBody {
    name: Option<String>,
}

fn player_path(player: &Player, tail: &str) -> String {
    format!(
        "/api/game/players/{}/{}/{tail}",
        segment(&player.source),
        segment(&player.account_id)
    )
}

impl GameClient {
    /// `POST …/bans`: bans `player` (and kicks them where connected now). Sent once.
    pub async fn ban(&self, player: &Player, ban: &NewBan) -> Result<Ban> {
        let mut body = serde_json::to_value(ban)
            .map_err(|e| crate::Error::InvalidInput(format!("ban: {e}")))?;
        if let (Some(admin), Some(object)) = (&ban.admin_account_id, body.as_object_mut()) {
            object.insert(format!("admin_{}_account_id", player.source), json!(admin));
        }
        let call = self
            .call(
                Method::POST,
                "/api/game/players/{source}/{account_id}/bans",
                player_path(player, "bans"),
            )?
            .json(&body)?;
        let reply = self.transport.send(call).await?;
        Ok(reply.json::<BanBody>()?.ban)
    }

    /// `DELETE …/bans`: lifts the player's bans this server may lift (always 204, whether
    /// or not anything was lifted).
    pub async fn lift_bans(&self, player: &Player) -> Result<()> {
        let call = self.call(
            Method::DELETE,
            "/api/game/players/{source}/{account_id}/bans",
            player_path(player, "bans"),
        )?;
        self.transport.send(call).await?;
        Ok(())
    }

    /// `POST …/roles`: the player got the in-game group `ingame` (needs role sync `send`,
    /// else 403). Sent once.
    pub async fn grant_role(&self, player: &Player, ingame: &str) -> Result<()> {
        let call = self
            .call(
                Method::POST,
                "/api/game/players/{source}/{account_id}/roles",
                player_path(player, "roles"),
            )?
            .json(&json!({ "name": ingame }))?;
        self.transport.send(call).await?;
        Ok(())
    }

    /// `DELETE …/roles/{ingame}`: the player lost the in-game group `ingame`.
    pub async fn revoke_role(&self, player: &Player, ingame: &str) -> Result<()> {
        let call = self.call(
            Method::DELETE,
            "/api/game/players/{source}/{account_id}/roles/{ingame}",
            player_path(player, &format!("roles/{}", segment(ingame))),
        )?;
        self.transport.send(call).await?;
        Ok(())
    }

    /// `GET …/primaryrole`: the in-game name of the player's highest role syncing here.
    pub async fn primary_role(&self, player: &Player) -> Result<Option<String>> {
        let call = self.call(
            Method::GET,
            "/api/game/players/{source}/{account_id}/primaryrole",
            player_path(player, "primaryrole"),
        )?;
        Ok(self.transport.send(call).await?.json::<NameBody>()?.name)
    }

    /// `POST …/primaryrole`: grants the role `ingame` and revokes the player's roles below
    /// it. Sent once.
    pub async fn set_primary_role(&self, player: &Player, ingame: &str) -> Result<()> {
        let call = self
            .call(
                Method::POST,
                "/api/game/players/{source}/{account_id}/primaryrole",
                player_path(player, "primaryrole"),
            )?
            .json(&json!({ "name": ingame }))?;
        self.transport.send(call).await?;
        Ok(())
    }

    /// `POST …/linktoken`: a single-use token (15 minutes by default) and the URL the player
    /// opens to link this game account. Sent once (each call issues a new token).
    pub async fn link_token(&self, player: &Player) -> Result<LinkToken> {
        let call = self.call(
            Method::POST,
            "/api/game/players/{source}/{account_id}/linktoken",
            player_path(player, "linktoken"),
        )?;
        self.transport.send(call).await?.json()
    }
}
