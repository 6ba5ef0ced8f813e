//! EVR broadcasters (registered game servers) and EVR lobbies (matches): lists, removing a
//! broadcaster, ending a match.

use super::extract::{Path, Query};
use super::forms::PostedForm;
use super::html::{HtmlError, HtmlPage};
use super::layout::{badge, empty_row, page, pager, when};
use super::session::{Console, Write};
use crate::core::access::{Administer, Moderate};
use crate::core::evr::admin::{BroadcasterQuery, EvrMatchQuery};
use crate::core::page::PageRequest;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use backline_domain::evr::records::{parse_sid, Phase};
use maud::html;
use serde::Deserialize;

const REMOVE_BROADCASTER: Write<Administer> = Write::new("console: remove broadcaster");
const END_MATCH: Write<Moderate> = Write::new("console: end EVR match");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CursorQuery {
    cursor: Option<String>,
}

/// `GET /console/broadcasters`: oldest registration first.
pub async fn list_broadcasters(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<CursorQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(None, query.cursor.clone())?;
    let listed = state
        .core
        .broadcaster_page(&console.view()?, &BroadcasterQuery::default(), &request)
        .await?;
    let may_remove = console.may(&REMOVE_BROADCASTER);
    let body = html! {
        div.table-wrap {
            table #broadcasters {
                thead { tr { th { "Broadcaster" } th { "Endpoint" } th { "Regions" } th { "State" } th { "Match" } th { "Last heartbeat" } th {} } }
                tbody {
                    @if listed.items.is_empty() { (empty_row(7, "No broadcaster registered.")) }
                    @for b in &listed.items {
                        tr {
                            td.mono { (b.id) }
                            td.mono { (b.endpoint) }
                            td { (b.regions.join(", ")) }
                            td { (badge(b.state.as_str())) }
                            td.mono { @if let Some(m) = &b.current_match { (m.id) " (" (m.player_count) " players)" } @else { "—" } }
                            td { (when(Some(b.last_heartbeat_at))) }
                            td {
                                @if may_remove {
                                    form method="post" action={ "/console/broadcasters/" (b.id) "/remove" } data-confirm="Remove this broadcaster? Its matches end." {
                                        (console.csrf_field())
                                        button.danger type="submit" { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (pager("/console/broadcasters", listed.next_cursor.as_deref(), query.cursor.is_some()))
    };
    Ok(page(
        &console,
        "/console/broadcasters",
        "Broadcasters",
        body,
    ))
}

/// `POST /console/broadcasters/{sid}/remove`.
pub async fn remove_broadcaster(
    console: Console,
    State(state): State<AppState>,
    Path(sid): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let _: serde::de::IgnoredAny = console.form(&state, &posted)?;
    let grant = console.grant(&REMOVE_BROADCASTER)?;
    let sid = parse_sid(&sid).ok_or_else(|| HtmlError::not_found("This broadcaster"))?;
    state.core.remove_broadcaster(&grant, &sid).await?;
    Ok(Redirect::to("/console/broadcasters").into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LobbiesQuery {
    #[serde(default)]
    state: String,
    cursor: Option<String>,
}

/// `GET /console/lobbies`: EVR matches, newest first (those not ended unless asked).
pub async fn list_lobbies(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<LobbiesQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(None, query.cursor.clone())?;
    let phase = match query.state.as_str() {
        "" => None,
        s => Some(Phase::parse(s).ok_or_else(|| {
            HtmlError::new(
                StatusCode::BAD_REQUEST,
                "Bad filter",
                format!("unknown state `{s}`"),
            )
        })?),
    };
    let evr_query = EvrMatchQuery {
        state: phase,
        ..EvrMatchQuery::default()
    };
    let listed = state
        .core
        .evr_match_page(&console.view()?, &evr_query, &request)
        .await?;
    let base = format!("/console/lobbies?state={}", query.state);
    let may_end = console.may(&END_MATCH);
    let body = html! {
        form.filters method="get" action="/console/lobbies" {
            div { label for="state" { "State" }
                select #state name="state" {
                    option value="" { "not ended" }
                    @for s in ["idle", "prepared", "started", "ended"] { option value=(s) selected[query.state == s] { (s) } }
                } }
            button.quiet type="submit" { "Filter" }
        }
        div.table-wrap {
            table #lobbies {
                thead { tr { th { "Match" } th { "Mode" } th { "State" } th { "Players" } th { "Broadcaster" } th { "Started" } th {} } }
                tbody {
                    @if listed.items.is_empty() { (empty_row(7, "No EVR match.")) }
                    @for m in &listed.items {
                        tr {
                            td.mono { (m.id) }
                            td { (m.mode.as_deref().unwrap_or("—")) @if let Some(level) = &m.level { br; span.muted { (level) } } }
                            td { (badge(m.state.as_str())) @if m.open { " open" } }
                            td { (m.player_count) " / " (m.player_limit)
                                @for p in &m.players { br; span.muted { (p.display_name) " (" (p.team.name()) ")" } } }
                            td.mono { (m.endpoint) }
                            td { (when(m.started_at)) }
                            td {
                                @if may_end && m.state != Phase::Ended {
                                    form method="post" action={ "/console/lobbies/" (m.id) "/end" } data-confirm="End this match? Its players are removed." {
                                        (console.csrf_field())
                                        button.danger type="submit" { "End" }
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
    Ok(page(&console, "/console/lobbies", "EVR lobbies", body))
}

/// `POST /console/lobbies/{match_id}/end`.
pub async fn end_lobby(
    console: Console,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let _: serde::de::IgnoredAny = console.form(&state, &posted)?;
    let grant = console.grant(&END_MATCH)?;
    state.core.end_evr_match(&grant, &match_id).await?;
    Ok(Redirect::to("/console/lobbies").into_response())
}
