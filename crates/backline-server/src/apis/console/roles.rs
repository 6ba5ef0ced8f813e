//! Roles: create, reorder, in-game equivalents and server groups, grants by player, holders.

use super::extract::{Path, Query};
use super::forms::PostedForm;
use super::html::{HtmlError, HtmlPage};
use super::layout::{empty_row, page, pager, when};
use super::session::{Console, Write};
use crate::core::access::Moderate;
use crate::core::ember::roles::{RoleEdit, RoleQuery};
use crate::core::page::PageRequest;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ids::RoleId;
use maud::html;
use serde::Deserialize;

const CREATE_ROLE: Write<Moderate> = Write::new("console: create role");
const EDIT_ROLE: Write<Moderate> = Write::new("console: edit role");
const REORDER_ROLES: Write<Moderate> = Write::new("console: reorder roles");
const GRANT_ROLE: Write<Moderate> = Write::new("console: grant or revoke role");

fn bad(field: &str, problem: &str) -> HtmlError {
    HtmlError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Please check the form",
        format!("{field}: {problem}"),
    )
}

fn groups_of(text: &str) -> Vec<String> {
    text.split(',')
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesQuery {
    #[serde(default)]
    name: String,
    cursor: Option<String>,
}

/// `GET /console/roles`: most privileged first.
pub async fn list_roles(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<RolesQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(None, query.cursor.clone())?;
    let role_query = RoleQuery {
        name: Some(query.name.trim().to_owned()).filter(|n| !n.is_empty()),
        ..RoleQuery::default()
    };
    let listed = state
        .core
        .list_roles_page(&console.view()?, &role_query, &request)
        .await?;
    let base = format!(
        "/console/roles?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("name", &query.name)
            .finish()
    );
    let (may_edit, may_reorder) = (console.may(&EDIT_ROLE), console.may(&REORDER_ROLES));
    let body = html! {
        form.filters method="get" action="/console/roles" {
            div { label for="name" { "Name contains" } input #name name="name" value=(query.name); }
            button.quiet type="submit" { "Filter" }
        }
        @if console.may(&CREATE_ROLE) {
            form.inline method="post" action="/console/roles" {
                (console.csrf_field())
                div { label for="new-name" { "Name" } input #new-name name="name" required; }
                div { label for="new-ingame" { "In-game group" } input #new-ingame name="ingame" required; }
                div { label for="new-position" { "Position (lower is higher)" } input #new-position type="number" name="position" value="100"; }
                div { label for="new-groups" { "Server groups (comma-separated, empty: all)" } input #new-groups name="groups"; }
                button type="submit" { "Create role" }
            }
        }
        div.table-wrap {
            table #roles {
                thead { tr { th { "Position" } th { "Role" } th { "In-game equivalent" } th { "Server groups" } th {} } }
                tbody {
                    @if listed.items.is_empty() { (empty_row(5, "No role.")) }
                    @for r in &listed.items {
                        tr {
                            td { (r.position) }
                            td { a href={ "/console/roles/" (r.id) } { (r.name) } }
                            td {
                                @if may_edit {
                                    form.inline method="post" action={ "/console/roles/" (r.id) } {
                                        (console.csrf_field())
                                        input name="ingame" value=(r.ingame) aria-label="In-game equivalent";
                                        input name="groups" value=(r.server_groups.join(", ")) aria-label="Server groups";
                                        button.quiet type="submit" { "Save" }
                                    }
                                } @else { span.mono { (r.ingame) } }
                            }
                            td { @if r.server_groups.is_empty() { "all" } @else { (r.server_groups.join(", ")) } }
                            td {
                                @if may_reorder {
                                    form method="post" action={ "/console/roles/" (r.id) "/up" } {
                                        (console.csrf_field())
                                        button.quiet type="submit" title="Move up (more privileged)" { "↑" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (pager(&base, listed.next_cursor.as_deref(), query.cursor.is_some()))
    };
    Ok(page(&console, "/console/roles", "Roles", body))
}

#[derive(Deserialize)]
pub struct CreateRoleForm {
    name: String,
    ingame: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    groups: String,
}

/// `POST /console/roles`.
pub async fn create_role(
    console: Console,
    State(state): State<AppState>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: CreateRoleForm = console.form(&state, &posted)?;
    let grant = console.grant(&CREATE_ROLE)?;
    let position = match form.position.trim() {
        "" => 100,
        n => n.parse().map_err(|_| bad("position", "a whole number"))?,
    };
    state
        .core
        .create_role(
            &grant,
            &form.name,
            &form.ingame,
            position,
            groups_of(&form.groups),
        )
        .await?;
    Ok(Redirect::to("/console/roles").into_response())
}

#[derive(Deserialize)]
pub struct EditRoleForm {
    ingame: String,
    #[serde(default)]
    groups: String,
}

/// `POST /console/roles/{role_id}`: the in-game equivalent and server groups.
pub async fn edit_role(
    console: Console,
    State(state): State<AppState>,
    Path(role_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: EditRoleForm = console.form(&state, &posted)?;
    let grant = console.grant(&EDIT_ROLE)?;
    let edit = RoleEdit {
        ingame: Some(form.ingame),
        groups: Some(groups_of(&form.groups)),
        ..RoleEdit::default()
    };
    state
        .core
        .change_role(&grant, &RoleId::from_string(role_id), edit)
        .await?;
    Ok(Redirect::to("/console/roles").into_response())
}

/// `POST /console/roles/{role_id}/up`: swaps the role with the one above it.
pub async fn move_role_up(
    console: Console,
    State(state): State<AppState>,
    Path(role_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let _: serde::de::IgnoredAny = console.form(&state, &posted)?;
    let grant = console.grant(&REORDER_ROLES)?;
    let mut roles = state.core.list_roles(&grant.view()).await?;
    roles.sort_by(|a, b| (a.position, &a.name).cmp(&(b.position, &b.name)));
    let mut order: Vec<RoleId> = roles.into_iter().map(|r| r.id).collect();
    let id = RoleId::from_string(role_id);
    let at = order
        .iter()
        .position(|r| *r == id)
        .ok_or_else(|| HtmlError::not_found("This role"))?;
    if at > 0 {
        order.swap(at - 1, at);
        state.core.reorder_roles(&grant, &order).await?;
    }
    Ok(Redirect::to("/console/roles").into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldersQuery {
    cursor: Option<String>,
}

/// `GET /console/roles/{role_id}`: who holds the role, and granting or revoking it.
pub async fn show_role(
    console: Console,
    State(state): State<AppState>,
    Path(role_id): Path<String>,
    Query(query): Query<HoldersQuery>,
) -> Result<HtmlPage, HtmlError> {
    let id = RoleId::from_string(role_id);
    let view = console.view()?;
    let role = state.core.get_role(&view, &id).await?;
    let request = PageRequest::new(None, query.cursor.clone())?;
    let holders = state.core.role_holders(&view, &id, &request).await?;
    let here = format!("/console/roles/{}", role.id);
    let body = html! {
        dl.facts {
            dt { "In-game equivalent" } dd.mono { (role.ingame) }
            dt { "Position" } dd { (role.position) }
            dt { "Server groups" } dd { @if role.server_groups.is_empty() { "all" } @else { (role.server_groups.join(", ")) } }
        }
        @if console.may(&GRANT_ROLE) {
            form.inline method="post" action={ (here) "/grants" } {
                (console.csrf_field())
                div { label for="player" { "Player (source:account_id)" } input #player name="player" required; }
                div { label for="granted" { "Action" }
                    select #granted name="granted" { option value="true" { "grant" } option value="false" { "revoke" } } }
                button type="submit" { "Apply" }
            }
        }
        h2 { "Holders" }
        div.table-wrap {
            table #holders {
                thead { tr { th { "User" } th { "Accounts" } th { "Since" } } }
                tbody {
                    @if holders.items.is_empty() { (empty_row(3, "Nobody holds this role.")) }
                    @for h in &holders.items {
                        tr {
                            td.mono { (h.user_id) }
                            td.mono { @for a in &h.accounts { (a.source) ":" (a.account_id) " " } }
                            td { (when(Some(h.granted_at))) }
                        }
                    }
                }
            }
        }
        (pager(&here, holders.next_cursor.as_deref(), query.cursor.is_some()))
    };
    Ok(page(
        &console,
        "/console/roles",
        &format!("Role {}", role.name),
        body,
    ))
}

#[derive(Deserialize)]
pub struct GrantForm {
    player: String,
    granted: bool,
}

/// `POST /console/roles/{role_id}/grants`.
pub async fn set_grant(
    console: Console,
    State(state): State<AppState>,
    Path(role_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: GrantForm = console.form(&state, &posted)?;
    let allowed = console.grant(&GRANT_ROLE)?;
    let player = PlayerRef::parse(form.player.trim())
        .ok_or_else(|| bad("player", "write it as source:account_id"))?;
    let grant = state
        .core
        .set_role_grant(
            &allowed,
            &RoleId::from_string(role_id),
            &player,
            form.granted,
        )
        .await?;
    Ok(Redirect::to(&format!("/console/roles/{}", grant.id)).into_response())
}
