//! `backline user`: user accounts shared by every surface.
//!
//! Each command acts as the owner through the core's use case, which records a change in
//! the audit log (actor `cli`, the command's words as the action, the user's id).

use super::output::{emit, grant};
use super::password;
use super::*;
use crate::core::access::{Administer, Moderate, View};
use crate::core::accounts::NewUser;
use crate::core::Core;
use backline_domain::accounts::ExternalAccount;

pub(super) async fn user(core: &Core, command: UserCommand, json: bool) -> anyhow::Result<()> {
    let view = match command {
        UserCommand::Create {
            username,
            password,
            password_stdin,
            email,
            discord_id,
            display_name,
        } => {
            let external = discord_id
                .map(|id| ExternalAccount::new("discord", id))
                .into_iter()
                .collect();
            let password = password::read(password, password_stdin, password::Need::Optional)?;
            let new = NewUser {
                username: Some(username),
                display_name,
                email,
                password,
                external,
            };
            core.create_user_as_operator(&grant::<Administer>("user create")?, new)
                .await?
        }
        UserCommand::Show { user } => {
            core.user_account(&grant::<View>("user show")?, &user)
                .await?
        }
        UserCommand::Password {
            user,
            password,
            password_stdin,
        } => {
            let password = password::required(password, password_stdin)?;
            core.set_password(&grant::<Administer>("user password")?, &user, password)
                .await?
        }
        UserCommand::Link {
            user,
            source,
            account_id,
        } => {
            core.link_account(
                &grant::<Administer>("user link")?,
                &user,
                &source,
                &account_id,
            )
            .await?
        }
        UserCommand::Unlink {
            user,
            source,
            account_id,
        } => {
            core.unlink_account(
                &grant::<Administer>("user unlink")?,
                &user,
                &source,
                &account_id,
            )
            .await?
        }
        UserCommand::Group(UserGroupCommand::Add { user, group }) => {
            core.set_group(&grant::<Administer>("user group add")?, &user, &group, true)
                .await?
        }
        UserCommand::Group(UserGroupCommand::Remove { user, group }) => {
            core.set_group(
                &grant::<Administer>("user group remove")?,
                &user,
                &group,
                false,
            )
            .await?
        }
        UserCommand::Disable { user } => {
            core.set_disabled(&grant::<Moderate>("user disable")?, &user, true)
                .await?
        }
        UserCommand::Enable { user } => {
            core.set_disabled(&grant::<Moderate>("user enable")?, &user, false)
                .await?
        }
    };
    emit(json, &view, || {
        let groups: Vec<_> = view.groups.iter().map(|g| g.name()).collect();
        let accounts: Vec<_> = view
            .external_accounts
            .iter()
            .map(|a| format!("{}:{}", a.source, a.account_id))
            .collect();
        format!(
            "user {}  {}  disabled={}\n  groups: {}\n  accounts: {}",
            view.user.id,
            view.user.username,
            view.user.disabled,
            if groups.is_empty() {
                "-".into()
            } else {
                groups.join(", ")
            },
            if accounts.is_empty() {
                "-".into()
            } else {
                accounts.join(", ")
            },
        )
    });
    Ok(())
}
