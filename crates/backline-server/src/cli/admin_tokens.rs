//! `backline admin-token`: operators' named admin tokens.

use super::output::{emit, list, or_dash};
use super::{AdminRoleArg, AdminTokenCommand};
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
            let secret = core.rotate_admin_token().await?;
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
            let issued = core.issue_admin_token(&name, role).await?;
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
            let tokens = collect(
                None,
                |page| async move { core.list_admin_tokens(&page).await },
            )
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
            let token = core.revoke_admin_token(&id_or_name).await?;
            emit(json, &token, || {
                format!("admin token {} ({}) revoked", token.name, token.id)
            });
        }
    }
    Ok(())
}
