//! Players of game servers: a game account seen for the first time gets a user, so bans and
//! roles can attach before the person ever logs in.

use super::super::accounts::NewUser;
use super::super::{Core, CoreError, CoreResult};
use backline_domain::accounts::{ExternalAccount, User};
use backline_domain::ember::actions::PlayerRef;
use backline_store::Store;

/// Checks a `{source}/{account_id}` pair, the id against its source's format
/// ([`PlayerRef::checked`]); every surface makes the players it acts on here.
pub fn player(source: &str, account_id: &str) -> CoreResult<PlayerRef> {
    Ok(PlayerRef::checked(source, account_id)?)
}

impl<S: Store> Core<S> {
    /// The user of a game account, created when the account is new.
    /// A player whose id is not in its source's format gets none (and the call is refused).
    pub async fn user_for_player(&self, player: &PlayerRef) -> CoreResult<User> {
        let player = &self::player(&player.source, &player.account_id)?;
        let account = ExternalAccount::new(&player.source, &player.account_id);
        if let Some(user) = self.store.find_user_by_external(&account).await? {
            return Ok(user);
        }
        match self
            .create_user(NewUser {
                external: vec![account.clone()],
                ..NewUser::default()
            })
            .await
        {
            Ok(user) => Ok(user),
            // Created meanwhile by another request.
            Err(CoreError::Conflict(_)) => self
                .store
                .find_user_by_external(&account)
                .await?
                .ok_or_else(|| CoreError::Internal("player account vanished".into())),
            Err(other) => Err(other),
        }
    }
}
