//! Organisations and their access keys: list, create, supporter status, issue and revoke
//! keys. A new key is shown once, on the page that answers the issuing form.

use super::extract::{Path, Query};
use super::forms::PostedForm;
use super::html::{HtmlError, HtmlPage};
use super::layout::{badge, empty_row, page, pager, when};
use super::session::{Console, Write};
use crate::core::access::Administer;
use crate::core::page::{PageRequest, MAX_PAGE};
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use backline_domain::ids::OrgId;
use backline_domain::org::AccessKey;
use backline_domain::Timestamp;
use maud::{html, Markup};
use serde::Deserialize;

const CREATE_ORG: Write<Administer> = Write::new("console: create organisation");
const SET_SUPPORTER: Write<Administer> = Write::new("console: set supporter");
const ISSUE_KEY: Write<Administer> = Write::new("console: issue access key");
const REVOKE_KEY: Write<Administer> = Write::new("console: revoke access key");

/// A date or date-time from a form (`2030-01-31` is the end of that day's start, UTC);
/// empty is none.
fn parse_date(field: &str, text: &str) -> Result<Option<Timestamp>, HtmlError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else if text.len() == 16 {
        format!("{text}:00Z")
    } else {
        text.to_owned()
    };
    Timestamp::parse_rfc3339(&full).map(Some).map_err(|e| {
        HtmlError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Please check the form",
            format!("{field}: {e}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CursorQuery {
    cursor: Option<String>,
}

/// `GET /console/orgs`.
pub async fn list_orgs(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<CursorQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(None, query.cursor.clone())?;
    let listed = state.core.list_orgs(&console.view()?, &request).await?;
    let orgs = &listed.items;
    let now = state.core.now();
    let body = html! {
        @if console.may(&CREATE_ORG) {
            form.inline method="post" action="/console/orgs" {
                (console.csrf_field())
                div { label for="name" { "Name" } input #name name="name" required; }
                div { label for="supporter_until" { "Supporter until (optional)" } input #supporter_until type="date" name="supporter_until"; }
                button type="submit" { "Create organisation" }
            }
        }
        div.table-wrap {
            table {
                thead { tr { th { "Name" } th { "Id" } th { "Supporter" } th { "Created" } } }
                tbody {
                    @if orgs.is_empty() { (empty_row(4, "No organisation yet.")) }
                    @for org in orgs {
                        tr {
                            td { a href={ "/console/orgs/" (org.id) } { (org.name) } }
                            td.mono { (org.id) }
                            td { @if org.is_supporter_at(now) { (badge("ok")) " until " (when(org.supporter_until)) } @else { "no" } }
                            td { (when(Some(org.created_at))) }
                        }
                    }
                }
            }
        }
    };
    let body = html! { (body) (pager("/console/orgs", listed.next_cursor.as_deref(), query.cursor.is_some())) };
    Ok(page(&console, "/console/orgs", "Organisations", body))
}

#[derive(Deserialize)]
pub struct CreateOrgForm {
    name: String,
    #[serde(default)]
    supporter_until: String,
}

/// `POST /console/orgs`.
pub async fn create_org(
    console: Console,
    State(state): State<AppState>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: CreateOrgForm = console.form(&state, &posted)?;
    let grant = console.grant(&CREATE_ORG)?;
    let until = parse_date("supporter_until", &form.supporter_until)?;
    let org = state.core.create_org(&grant, &form.name, until).await?;
    Ok(Redirect::to(&format!("/console/orgs/{}", org.id)).into_response())
}

fn key_rows(console: &Console, keys: &[AccessKey], now: Timestamp) -> Markup {
    html! {
        @if keys.is_empty() { (empty_row(6, "No access key.")) }
        @for key in keys {
            tr {
                td.mono { (key.prefix) "…" }
                td.mono { (key.id) }
                td { (when(Some(key.created_at))) }
                td { (when(key.expires_at)) }
                td {
                    @if key.revoked_at.is_some() { (badge("revoked")) }
                    @else if key.expires_at.is_some_and(|e| e <= now) { (badge("expired")) }
                    @else { (badge("ok")) }
                }
                td {
                    @if key.revoked_at.is_none() && console.may(&REVOKE_KEY) {
                        form method="post" action={ "/console/keys/" (key.id) "/revoke" } data-confirm="Revoke this key? Spectra servers using it stop working." {
                            (console.csrf_field())
                            button.danger type="submit" { "Revoke" }
                        }
                    }
                }
            }
        }
    }
}

async fn org_page(
    console: &Console,
    state: &AppState,
    org_id: &OrgId,
    issued: Option<(String, AccessKey)>,
) -> Result<HtmlPage, HtmlError> {
    let view = console.view()?;
    let org = state.core.get_org(&view, org_id).await?;
    // Every key of one organisation on one page: there are few.
    let all = PageRequest::new(Some(MAX_PAGE), None)?;
    let keys = state.core.list_keys(&view, Some(org_id), &all).await?.items;
    let now = state.core.now();
    let body = html! {
        @if let Some((secret, key)) = &issued {
            div.secret #new-key {
                p { "New access key " span.mono { (key.id) } " — copy it now, it is not shown again:" }
                p { code { (secret) } }
            }
        }
        dl.facts {
            dt { "Id" } dd.mono { (org.id) }
            dt { "Supporter" } dd { @if org.is_supporter_at(now) { "yes, until " (when(org.supporter_until)) } @else { "no" } }
            dt { "Created" } dd { (when(Some(org.created_at))) }
        }
        @if console.may(&SET_SUPPORTER) {
            form.inline method="post" action={ "/console/orgs/" (org.id) "/supporter" } {
                (console.csrf_field())
                div { label for="supporter" { "Supporter" }
                    select #supporter name="supporter" { option value="true" { "yes" } option value="false" { "no" } } }
                div { label for="until" { "Until (empty: no end)" } input #until type="date" name="until"; }
                button.quiet type="submit" { "Save supporter status" }
            }
        }
        h2 { "Access keys" }
        @if console.may(&ISSUE_KEY) {
            form.inline method="post" action={ "/console/orgs/" (org.id) "/keys" } {
                (console.csrf_field())
                div { label for="expires_at" { "Expires (optional)" } input #expires_at type="date" name="expires_at"; }
                button type="submit" { "Issue access key" }
            }
        }
        div.table-wrap {
            table #keys {
                thead { tr { th { "Key" } th { "Id" } th { "Created" } th { "Expires" } th { "State" } th {} } }
                tbody { (key_rows(console, &keys, now)) }
            }
        }
    };
    let mut page = page(console, "/console/orgs", &org.name, body);
    if issued.is_some() {
        page.status = StatusCode::CREATED;
    }
    Ok(page)
}

/// `GET /console/orgs/{org_id}`.
pub async fn show_org(
    console: Console,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
) -> Result<HtmlPage, HtmlError> {
    org_page(&console, &state, &OrgId::from_string(org_id), None).await
}

#[derive(Deserialize)]
pub struct SupporterForm {
    supporter: bool,
    #[serde(default)]
    until: String,
}

/// `POST /console/orgs/{org_id}/supporter`.
pub async fn set_supporter(
    console: Console,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: SupporterForm = console.form(&state, &posted)?;
    let grant = console.grant(&SET_SUPPORTER)?;
    let until = parse_date("until", &form.until)?;
    let org = state
        .core
        .set_supporter(&grant, &OrgId::from_string(org_id), form.supporter, until)
        .await?;
    Ok(Redirect::to(&format!("/console/orgs/{}", org.id)).into_response())
}

#[derive(Deserialize)]
pub struct IssueKeyForm {
    #[serde(default)]
    expires_at: String,
}

/// `POST /console/orgs/{org_id}/keys`: answers with the organisation's page showing the new
/// key once.
pub async fn issue_key(
    console: Console,
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    posted: PostedForm,
) -> Result<HtmlPage, HtmlError> {
    let form: IssueKeyForm = console.form(&state, &posted)?;
    let grant = console.grant(&ISSUE_KEY)?;
    let expires_at = parse_date("expires_at", &form.expires_at)?;
    let org_id = OrgId::from_string(org_id);
    let issued = state.core.issue_key(&grant, &org_id, expires_at).await?;
    let shown = (issued.secret.expose().to_owned(), issued.key.clone());
    org_page(&console, &state, &org_id, Some(shown)).await
}

/// `POST /console/keys/{key_id}/revoke`.
pub async fn revoke_key(
    console: Console,
    State(state): State<AppState>,
    Path(key_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let _: serde::de::IgnoredAny = console.form(&state, &posted)?;
    let grant = console.grant(&REVOKE_KEY)?;
    let key = state.core.revoke_key(&grant, &key_id).await?;
    Ok(Redirect::to(&format!("/console/orgs/{}", key.org_id)).into_response())
}
