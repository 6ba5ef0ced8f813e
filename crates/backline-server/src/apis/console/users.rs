//! Users and their external accounts: search, a user's page, disable or enable (which ends
//! the user's sessions), link and unlink game accounts.

use super::extract::{Path, Query};
use super::forms::PostedForm;
use super::html::{HtmlError, HtmlPage};
use super::layout::{badge, empty_row, page, pager, when};
use super::session::{Console, Write};
use crate::core::access::{Administer, Moderate};
use crate::core::page::PageRequest;
use crate::http::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use backline_store::UserFilter;
use maud::html;
use serde::Deserialize;

const DISABLE_USER: Write<Moderate> = Write::new("console: disable user");
const ENABLE_USER: Write<Moderate> = Write::new("console: enable user");
const LINK_ACCOUNT: Write<Administer> = Write::new("console: link external account");
const UNLINK_ACCOUNT: Write<Administer> = Write::new("console: unlink external account");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    #[serde(default)]
    text: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    account_id: String,
    cursor: Option<String>,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `GET /console/users`: in username order.
pub async fn list_users(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<UsersQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(None, query.cursor.clone())?;
    let filter = UserFilter {
        text: given(&query.text),
        source: given(&query.source),
        account_id: given(&query.account_id),
        ..UserFilter::default()
    };
    let listed = state
        .core
        .list_users(&console.view()?, filter, &request)
        .await?;
    let base = format!(
        "/console/users?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("text", &query.text)
            .append_pair("source", &query.source)
            .append_pair("account_id", &query.account_id)
            .finish()
    );
    let body = html! {
        form.filters method="get" action="/console/users" {
            div { label for="text" { "Name or email contains" } input #text name="text" value=(query.text); }
            div { label for="source" { "Account source" } input #source name="source" value=(query.source) placeholder="steam"; }
            div { label for="account_id" { "Account id" } input #account_id name="account_id" value=(query.account_id); }
            button.quiet type="submit" { "Search" }
        }
        div.table-wrap {
            table #users {
                thead { tr { th { "Username" } th { "Display name" } th { "Email" } th { "State" } th { "Created" } } }
                tbody {
                    @if listed.items.is_empty() { (empty_row(5, "No user.")) }
                    @for u in &listed.items {
                        tr {
                            td { a href={ "/console/users/" (u.id) } { (u.username) } }
                            td { (u.display_name) }
                            td { (u.email.as_deref().unwrap_or("—")) }
                            td { @if u.disabled { (badge("failed")) " disabled" } @else { (badge("ok")) } }
                            td { (when(Some(u.created_at))) }
                        }
                    }
                }
            }
        }
        (pager(&base, listed.next_cursor.as_deref(), query.cursor.is_some()))
    };
    Ok(page(&console, "/console/users", "Users", body))
}

/// `GET /console/users/{user_id}`.
pub async fn show_user(
    console: Console,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> Result<HtmlPage, HtmlError> {
    let view = state.core.user_account(&console.view()?, &user_id).await?;
    let here = format!("/console/users/{}", view.user.id);
    let status_write = if view.user.disabled {
        &ENABLE_USER
    } else {
        &DISABLE_USER
    };
    let body = html! {
        dl.facts {
            dt { "Id" } dd.mono { (view.user.id) }
            dt { "Display name" } dd { (view.user.display_name) }
            dt { "Email" } dd { (view.user.email.as_deref().unwrap_or("—")) }
            dt { "State" } dd { @if view.user.disabled { "disabled" } @else { "active" } }
            dt { "System groups" } dd { @if view.groups.is_empty() { "none" } @for g in &view.groups { (g.name()) br; } }
            dt { "Created" } dd { (when(Some(view.user.created_at))) }
        }
        @if console.may(status_write) {
            form method="post" action={ (here) @if view.user.disabled { "/enable" } @else { "/disable" } }
                data-confirm=[(!view.user.disabled).then_some("Disable this user? Every session of theirs ends.")] {
                (console.csrf_field())
                @if view.user.disabled { button type="submit" { "Enable user" } }
                @else { button.danger type="submit" { "Disable user" } }
            }
        }
        h2 { "External accounts" }
        div.table-wrap {
            table #accounts {
                thead { tr { th { "Source" } th { "Account id" } th {} } }
                tbody {
                    @if view.external_accounts.is_empty() { (empty_row(3, "No external account.")) }
                    @for a in &view.external_accounts {
                        tr {
                            td { (a.source) }
                            td.mono { (a.account_id) }
                            td {
                                @if console.may(&UNLINK_ACCOUNT) {
                                    form method="post" action={ (here) "/unlink" } data-confirm="Unlink this account?" {
                                        (console.csrf_field())
                                        input type="hidden" name="source" value=(a.source);
                                        input type="hidden" name="account_id" value=(a.account_id);
                                        button.quiet type="submit" { "Unlink" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if console.may(&LINK_ACCOUNT) {
            form.inline method="post" action={ (here) "/link" } {
                (console.csrf_field())
                div { label for="link-source" { "Source" } input #link-source name="source" required placeholder="steam"; }
                div { label for="link-account" { "Account id" } input #link-account name="account_id" required; }
                button.quiet type="submit" { "Link account" }
            }
        }
    };
    Ok(page(
        &console,
        "/console/users",
        &format!("User {}", view.user.username),
        body,
    ))
}

/// `POST /console/users/{user_id}/disable` and `/enable`.
async fn set_disabled(
    console: Console,
    state: AppState,
    user_id: String,
    posted: PostedForm,
    disabled: bool,
) -> Result<Response, HtmlError> {
    let write = if disabled {
        &DISABLE_USER
    } else {
        &ENABLE_USER
    };
    let _: serde::de::IgnoredAny = console.form(&state, &posted)?;
    let grant = console.grant(write)?;
    let view = state.core.set_disabled(&grant, &user_id, disabled).await?;
    Ok(Redirect::to(&format!("/console/users/{}", view.user.id)).into_response())
}

/// `POST /console/users/{user_id}/disable`.
pub async fn disable_user(
    console: Console,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    set_disabled(console, state, user_id, posted, true).await
}

/// `POST /console/users/{user_id}/enable`.
pub async fn enable_user(
    console: Console,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    set_disabled(console, state, user_id, posted, false).await
}

#[derive(Deserialize)]
pub struct AccountForm {
    source: String,
    account_id: String,
}

/// `POST /console/users/{user_id}/link`.
pub async fn link_account(
    console: Console,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: AccountForm = console.form(&state, &posted)?;
    let grant = console.grant(&LINK_ACCOUNT)?;
    let view = state
        .core
        .link_account(&grant, &user_id, form.source.trim(), form.account_id.trim())
        .await?;
    Ok(Redirect::to(&format!("/console/users/{}", view.user.id)).into_response())
}

/// `POST /console/users/{user_id}/unlink`.
pub async fn unlink_account(
    console: Console,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: AccountForm = console.form(&state, &posted)?;
    let grant = console.grant(&UNLINK_ACCOUNT)?;
    let view = state
        .core
        .unlink_account(&grant, &user_id, &form.source, &form.account_id)
        .await?;
    Ok(Redirect::to(&format!("/console/users/{}", view.user.id)).into_response())
}
