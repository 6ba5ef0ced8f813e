//! Bans: who, where (scope), until when.

use super::servers::GameServer;
use crate::ids::{BanId, UserId};
use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a ban applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BanScope {
    /// Every server and the website.
    Global,
    /// The server groups of the issuing server's ban group.
    Server,
    /// The website only.
    Web,
}

impl BanScope {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "global" => Some(Self::Global),
            "server" => Some(Self::Server),
            "web" => Some(Self::Web),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Server => "server",
            Self::Web => "web",
        }
    }
}

/// The bans a server enforces, as a store can query them: `global` ones when the server
/// enforces that scope, and `server` ones of its groups when it enforces that one (`web`
/// bans never reach a server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BanReach {
    pub global: bool,
    /// The groups whose `server` bans apply (empty when the scope is not enforced).
    pub server_groups: Vec<String>,
}

impl BanReach {
    pub fn of(server: &GameServer) -> Self {
        let enforces = |scope| server.enforced_ban_scopes.contains(&scope);
        Self {
            global: enforces(BanScope::Global),
            server_groups: if enforces(BanScope::Server) {
                server.groups.clone()
            } else {
                Vec::new()
            },
        }
    }

    /// Whether a ban (active or not) is one of these.
    pub fn covers(&self, ban: &Ban) -> bool {
        match ban.scope {
            BanScope::Global => self.global,
            BanScope::Server => ban
                .server_group
                .as_ref()
                .is_some_and(|g| self.server_groups.contains(g)),
            BanScope::Web => false,
        }
    }
}

/// Who issued a ban. A game server may lift the bans game servers issued (as the scope
/// allows); an operator's ban only when the server's `may_lift_operator_bans` is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BanIssuer {
    /// A game server, through the game integration (`POST /api/game/players/…/bans`).
    Server,
    /// An operator: the admin API, the console or the command line.
    Operator,
}

impl BanIssuer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Operator => "operator",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "server" => Some(Self::Server),
            "operator" => Some(Self::Operator),
            _ => None,
        }
    }
}

/// Where a ban stands, as operators search for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BanStatus {
    /// Neither lifted nor expired.
    Active,
    /// Lifted by a server or an operator (whether or not it had expired before).
    Lifted,
    /// Ran out without being lifted.
    Expired,
}

impl BanStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "lifted" => Some(Self::Lifted),
            "expired" => Some(Self::Expired),
            _ => None,
        }
    }
}

/// A ban with where it stands, as operators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BanView {
    #[serde(flatten)]
    pub ban: Ban,
    pub status: BanStatus,
}

impl BanView {
    pub fn at(ban: Ban, now: Timestamp) -> Self {
        Self {
            status: ban.status(now),
            ban,
        }
    }
}

/// A ban of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ban {
    pub id: BanId,
    pub user_id: UserId,
    /// The account the ban was issued against (`steam`, `7656…`).
    pub source: String,
    pub account_id: String,
    pub scope: BanScope,
    /// For `server` bans: the server group it applies to.
    pub server_group: Option<String>,
    pub admin_user_id: Option<UserId>,
    /// A game server or an operator.
    pub issued_by: BanIssuer,
    pub reason: String,
    #[serde(with = "crate::timestamp::rfc3339")]
    pub created_at: Timestamp,
    /// `None`: permanent.
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub expires_at: Option<Timestamp>,
    #[serde(with = "crate::timestamp::rfc3339_option")]
    pub lifted_at: Option<Timestamp>,
}

impl Ban {
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.lifted_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }

    /// Active, lifted or expired at `now`.
    pub fn status(&self, now: Timestamp) -> BanStatus {
        if self.lifted_at.is_some() {
            BanStatus::Lifted
        } else if self.is_active(now) {
            BanStatus::Active
        } else {
            BanStatus::Expired
        }
    }

    /// Whether this ban keeps the player off `server` (by scope, group, and what the server
    /// enforces).
    pub fn applies_to(&self, server: &GameServer) -> bool {
        BanReach::of(server).covers(self)
    }

    /// Whether `server` may lift this ban: global ones, and `server` ones of its groups;
    /// an operator's only when the server may lift operators' bans.
    pub fn liftable_by(&self, server: &GameServer) -> bool {
        if self.issued_by == BanIssuer::Operator && !server.may_lift_operator_bans {
            return false;
        }
        match self.scope {
            BanScope::Global => true,
            BanScope::Server => self
                .server_group
                .as_ref()
                .is_some_and(|g| server.groups.contains(g)),
            BanScope::Web => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ember::servers::RoleSync;
    use crate::ids::ServerId;

    fn server(groups: &[&str], enforced: &[BanScope]) -> GameServer {
        GameServer {
            id: ServerId::from_string("s"),
            name: "S".into(),
            game: "gmod".into(),
            address: None,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            poll_interval_seconds: 10,
            enforced_ban_scopes: enforced.to_vec(),
            default_ban_group: None,
            role_sync: RoleSync::default(),
            ban_log: false,
            may_lift_operator_bans: false,
            settings_version: 1,
            created_at: Timestamp::from_millis(0),
            last_poll_at: None,
        }
    }

    fn ban(scope: BanScope, group: Option<&str>, expires: Option<i64>) -> Ban {
        Ban {
            id: BanId::from_string("b"),
            user_id: UserId::from_string("u"),
            source: "steam".into(),
            account_id: "1".into(),
            scope,
            server_group: group.map(str::to_owned),
            admin_user_id: None,
            issued_by: BanIssuer::Server,
            reason: "r".into(),
            created_at: Timestamp::from_millis(0),
            expires_at: expires.map(Timestamp::from_millis),
            lifted_at: None,
        }
    }

    #[test]
    fn scopes_groups_and_enforcement_decide_where_a_ban_applies() {
        let both = server(&["eu"], &[BanScope::Global, BanScope::Server]);
        assert!(ban(BanScope::Global, None, None).applies_to(&both));
        assert!(ban(BanScope::Server, Some("eu"), None).applies_to(&both));
        assert!(!ban(BanScope::Server, Some("us"), None).applies_to(&both));
        assert!(!ban(BanScope::Web, None, None).applies_to(&both));
        let global_only = server(&["eu"], &[BanScope::Global]);
        assert!(!ban(BanScope::Server, Some("eu"), None).applies_to(&global_only));
        assert!(ban(BanScope::Server, Some("eu"), None).liftable_by(&global_only));
    }

    #[test]
    fn an_operators_ban_is_lifted_only_by_servers_allowed_to() {
        let mut operators = ban(BanScope::Global, None, None);
        operators.issued_by = BanIssuer::Operator;
        let mut eu = server(&["eu"], &[BanScope::Global]);
        assert!(!operators.liftable_by(&eu));
        assert!(ban(BanScope::Global, None, None).liftable_by(&eu));
        eu.may_lift_operator_bans = true;
        assert!(operators.liftable_by(&eu));
        // The scope still decides.
        operators.scope = BanScope::Web;
        assert!(!operators.liftable_by(&eu));
        assert_eq!(BanIssuer::parse("operator"), Some(BanIssuer::Operator));
        assert_eq!(
            BanIssuer::parse(BanIssuer::Server.as_str()),
            Some(BanIssuer::Server)
        );
    }

    #[test]
    fn expiry_and_lifting_end_a_ban() {
        let now = Timestamp::from_millis(100);
        assert!(ban(BanScope::Global, None, None).is_active(now));
        assert!(ban(BanScope::Global, None, Some(101)).is_active(now));
        assert!(!ban(BanScope::Global, None, Some(100)).is_active(now));
        let mut lifted = ban(BanScope::Global, None, None);
        lifted.lifted_at = Some(now);
        assert!(!lifted.is_active(now));
        assert_eq!(BanScope::parse("GLOBAL"), Some(BanScope::Global));
        assert_eq!(BanScope::parse("planet"), None);
    }
}
