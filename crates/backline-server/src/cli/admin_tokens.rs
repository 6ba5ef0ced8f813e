//! `backline admin-token`: operators' named admin tokens (the owner's: the CLI acts as
//! one). Issuing, revoking and rotating are recorded in the audit log by their use cases.

use super::output::{emit, grant, list, or_dash};
use super::{AdminRoleArg, AdminTokenCommand};
use crate::core::access::Administer;
use crate::core::page::collect;
use crate::core::Core;
use backline_domain::admin::AdminRole;
use serde_json::json;

pub async fn admin_token(
    core: &Core,
    command: AdminTokenCommand,
    json: bool,
) -> anyhow::Result<()> {
    match command {
        AdminTokenCommand::Rotate => {
            let secret = core
                .rotate_admin_token(&grant::<Administer>("admin-token rotate")?)
                .await?;
            emit(json, &json!({ "admin_token": secret.expose() }), || {
                format!("new admin token (shown once): {}", secret.expose())
            });
        }
        AdminTokenCommand::Issue { name, role } => {
            let role = match role {
                AdminRoleArg::Owner => AdminRole::Owner,
                AdminRoleArg::Moderator => AdminRole::Moderator,
                AdminRoleArg::Viewer => AdminRole::Viewer,
            };
            let issued = core
                .issue_admin_token(&grant::<Administer>("admin-token issue")?, &name, role)
                .await?;
            emit(json, &issued.to_json(), || {
                format!(
                    "{} admin token {} ({}) issued (shown once): {}",
                    role.as_str(),
                    issued.token.name,
                    issued.token.id,
                    issued.secret.expose()
                )
            });
        }
        AdminTokenCommand::List => {
            let grant = grant::<Administer>("admin-token list")?;
            let grant = &grant;
            let tokens = collect(None, |page| async move {
                core.list_admin_tokens(grant, &page).await
            })
            .await?;
            emit(json, &list("admin_tokens", &tokens), || {
                tokens
                    .iter()
                    .map(|t| {
                        format!(
                            "{}  {}  {}  {}…  revoked={}",
                            t.id,
                            t.name,
                            t.role.as_str(),
                            t.prefix,
                            or_dash(t.revoked_at)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        AdminTokenCommand::Revoke { id_or_name } => {
            let token = core
                .revoke_admin_token(&grant::<Administer>("admin-token revoke")?, &id_or_name)
                .await?;
            emit(json, &token, || {
                format!("admin token {} ({}) revoked", token.name, token.id)
            });
        }
    }
    Ok(())
}
