//! EVR use cases: broadcasters, match listing, preparation and allocation, joining and
//! leaving, and the timers that start, end and clean up matches.

pub mod admin;
pub mod broadcasters;
pub mod lobby;
pub mod matches;
pub mod timers;

use super::sessions::Claims;
use super::{Core, CoreError, CoreResult};
use backline_domain::accounts::SystemGroup;
use backline_store::Store;

/// Who asks: a signed-in user (with their groups), or a server-to-server http-key call.
#[derive(Clone, Debug)]
pub enum Actor {
    HttpKey,
    User {
        claims: Claims,
        groups: Vec<SystemGroup>,
    },
}

impl Actor {
    pub fn in_group(&self, group: SystemGroup) -> bool {
        matches!(self, Actor::User { groups, .. } if groups.contains(&group))
    }

    pub fn claims(&self) -> CoreResult<&Claims> {
        match self {
            Actor::User { claims, .. } => Ok(claims),
            Actor::HttpKey => Err(CoreError::Unauthorized),
        }
    }
}

impl<S: Store> Core<S> {
    /// The actor for a session's claims, with the user's groups.
    pub async fn actor(&self, claims: Claims) -> CoreResult<Actor> {
        let groups = self.user_groups(&claims.user_id()).await?;
        Ok(Actor::User { claims, groups })
    }
}
