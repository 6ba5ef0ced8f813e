//! Bans: search (by player, status, reason), create, lift.

use super::extract::{Path, Query};
use super::forms::PostedForm;
use super::html::{HtmlError, HtmlPage};
use super::layout::{badge, empty_row, page, pager, when};
use super::session::{Console, Write};
use crate::core::access::Moderate;
use crate::core::ember::bans::{BanQuery, OperatorBan};
use crate::core::page::PageRequest;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use backline_domain::ember::actions::PlayerRef;
use backline_domain::ember::bans::{BanScope, BanStatus};
use backline_domain::ids::BanId;
use maud::html;
use serde::Deserialize;

const CREATE_BAN: Write<Moderate> = Write::new("console: create ban");
const LIFT_BAN: Write<Moderate> = Write::new("console: lift ban");

fn bad(field: &str, problem: &str) -> HtmlError {
    HtmlError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Please check the form",
        format!("{field}: {problem}"),
    )
}

/// A player written `source:account_id` (`steam:7656…`).
fn parse_player(field: &str, text: &str) -> Result<PlayerRef, HtmlError> {
    PlayerRef::parse(text.trim()).ok_or_else(|| {
        bad(
            field,
            "write it as source:account_id, e.g. steam:76561198000000000",
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BansQuery {
    #[serde(default)]
    player: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    cursor: Option<String>,
    /// Set after creating a ban: its id, confirmed in a notice.
    created: Option<String>,
    /// Set after lifting a ban: its id, confirmed in a notice.
    lifted: Option<String>,
}

/// `GET /console/bans`.
pub async fn list_bans(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<BansQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(None, query.cursor.clone())?;
    let player = match query.player.trim() {
        "" => None,
        text => Some(parse_player("player", text)?),
    };
    let status = match query.status.as_str() {
        "" => None,
        s => Some(BanStatus::parse(s).ok_or_else(|| bad("status", "active, lifted or expired"))?),
    };
    let ban_query = BanQuery {
        player,
        status,
        reason: Some(query.reason.trim().to_owned()).filter(|r| !r.is_empty()),
        ..BanQuery::default()
    };
    let listed = state
        .core
        .list_bans(&console.view()?, &ban_query, &request)
        .await?;
    let now = state.core.now();
    let base = format!(
        "/console/bans?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("player", &query.player)
            .append_pair("status", &query.status)
            .append_pair("reason", &query.reason)
            .finish()
    );
    let may_lift = console.may(&LIFT_BAN);
    // The ban a write just made or lifted, named by its player when it is on this page.
    let whose = |id: &str| {
        listed
            .items
            .iter()
            .find(|b| b.id.to_string() == id)
            .map(|b| format!("{}:{}", b.source, b.account_id))
    };
    let body = html! {
        @if let Some(id) = &query.created {
            p.notice #ban-notice { @match whose(id) {
                Some(player) => { "Banned " span.mono { (player) } "." },
                None => { "Ban " span.mono { (id) } " created." },
            } }
        }
        @if let Some(id) = &query.lifted {
            p.notice #ban-notice { @match whose(id) {
                Some(player) => { "Lifted the ban of " span.mono { (player) } "." },
                None => { "Ban " span.mono { (id) } " lifted." },
            } }
        }
        form.filters method="get" action="/console/bans" {
            div { label for="player" { "Player (source:account_id)" } input #player.player name="player" value=(query.player) placeholder="steam:76561198000000000"; }
            div { label for="status" { "Status" }
                select #status name="status" {
                    option value="" { "any" }
                    @for s in ["active", "lifted", "expired"] { option value=(s) selected[query.status == s] { (s) } }
                } }
            div { label for="reason" { "Reason contains" } input #reason name="reason" value=(query.reason); }
            button.quiet type="submit" { "Search" }
        }
        @if console.may(&CREATE_BAN) {
            details {
                summary { "Create a ban" }
                form.stack #create-ban method="post" action="/console/bans" {
                    (console.csrf_field())
                    label for="ban-player" { "Player (source:account_id)" }
                    input #ban-player name="player" required placeholder="steam:76561198000000000";
                    label for="ban-scope" { "Scope" }
                    select #ban-scope name="scope" { option value="global" { "global" } option value="server" { "server group" } option value="web" { "web" } }
                    label for="ban-group" { "Server group (server scope only)" }
                    input #ban-group name="group";
                    label for="ban-minutes" { "Duration in minutes (0: permanent)" }
                    input #ban-minutes type="number" min="0" name="duration_minutes" value="0";
                    label for="ban-reason" { "Reason" }
                    input #ban-reason name="reason" required;
                    button.danger type="submit" { "Ban" }
                }
            }
        }
        div.table-wrap {
            table #bans {
                thead { tr { th { "Player" } th { "Scope" } th { "Reason" } th { "Created" } th { "Expires" } th { "Status" } th {} } }
                tbody {
                    @if listed.items.is_empty() { (empty_row(7, "No ban.")) }
                    @for b in &listed.items {
                        @let status = b.status(now);
                        tr data-ban=(b.id) {
                            td.mono { (b.source) ":" (b.account_id) }
                            td { (b.scope.as_str()) @if let Some(g) = &b.server_group { " · " (g) } }
                            td { (b.reason) }
                            td { (when(Some(b.created_at))) }
                            td { @if b.expires_at.is_none() { "never" } @else { (when(b.expires_at)) } }
                            td { (badge(status_name(status))) }
                            td {
                                @if may_lift && status == BanStatus::Active {
                                    form method="post" action={ "/console/bans/" (b.id) "/lift" } data-confirm="Lift this ban?" {
                                        (console.csrf_field())
                                        button.quiet type="submit" { "Lift" }
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
    Ok(page(&console, "/console/bans", "Bans", body))
}

fn status_name(status: BanStatus) -> &'static str {
    match status {
        BanStatus::Active => "active",
        BanStatus::Lifted => "lifted",
        BanStatus::Expired => "expired",
    }
}

#[derive(Deserialize)]
pub struct CreateBanForm {
    player: String,
    scope: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    duration_minutes: String,
    reason: String,
}

/// `POST /console/bans`.
pub async fn create_ban(
    console: Console,
    State(state): State<AppState>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let form: CreateBanForm = console.form(&state, &posted)?;
    let grant = console.grant(&CREATE_BAN)?;
    let player = parse_player("player", &form.player)?;
    let scope =
        BanScope::parse(&form.scope).ok_or_else(|| bad("scope", "global, server or web"))?;
    let duration_minutes = match form.duration_minutes.trim() {
        "" => None,
        n => Some(
            n.parse::<i64>()
                .map_err(|_| bad("duration_minutes", "a whole number of minutes"))?,
        ),
    };
    let ban = state
        .core
        .create_operator_ban(
            &grant,
            OperatorBan {
                player: player.clone(),
                scope,
                group: Some(form.group.trim().to_owned()).filter(|g| !g.is_empty()),
                duration_minutes,
                reason: form.reason,
            },
        )
        .await?;
    let search = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "player",
            &format!("{}:{}", player.source, player.account_id),
        )
        .append_pair("created", &ban.id.to_string())
        .finish();
    Ok(Redirect::to(&format!("/console/bans?{search}")).into_response())
}

/// `POST /console/bans/{ban_id}/lift`.
pub async fn lift_ban(
    console: Console,
    State(state): State<AppState>,
    Path(ban_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let _: serde::de::IgnoredAny = console.form(&state, &posted)?;
    let grant = console.grant(&LIFT_BAN)?;
    let ban = state
        .core
        .lift_ban(&grant, &BanId::from_string(ban_id))
        .await?;
    let confirm = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("lifted", &ban.id.to_string())
        .finish();
    Ok(Redirect::to(&format!("/console/bans?{confirm}")).into_response())
}
