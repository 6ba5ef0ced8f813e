//! The dashboard: what is live across the surfaces, refreshed in place whenever the event
//! stream reports a change (`/console/live` is the part that is refreshed).

use super::html::HtmlPage;
use super::layout::{badge, empty_row, page, when};
use super::session::Console;
use crate::core::access::{Grant, View};
use crate::core::evr::admin::{BroadcasterQuery, EvrMatchQuery};
use crate::core::page::PageRequest;
use crate::core::CoreError;
use crate::http::AppState;
use axum::extract::State;
use backline_domain::ember::actions::ExecutionStatus;
use backline_domain::spectra::lifecycle::MatchState;
use backline_domain::spectra::record::MatchRecord;
use backline_store::{ExecutionFilter, ServerFilter};
use maud::{html, Markup};
use serde_json::Value;

/// The most live matches the dashboard lists.
const LIVE_LIMIT: i64 = 25;

/// "LTM 7 – 5 RTM" from a Spectra snapshot's teams, when it has two.
pub fn score(snapshot: Option<&Value>) -> Option<String> {
    let teams = snapshot?.get("teams")?.as_array()?;
    let [left, right] = teams.as_slice() else {
        return None;
    };
    let name = |t: &Value| {
        t.get("teamTricode")
            .or_else(|| t.get("teamName"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    let won = |t: &Value| t.get("roundsWon").and_then(Value::as_i64).unwrap_or(0);
    Some(format!(
        "{} {} – {} {}",
        name(left),
        won(left),
        won(right),
        name(right)
    ))
}

/// Registered and live Spectra matches, each with its latest snapshot (for the score).
async fn live_matches(state: &AppState, view: &Grant<View>) -> Result<Vec<MatchRecord>, CoreError> {
    let mut found = Vec::new();
    let request = PageRequest::new(Some(LIVE_LIMIT), None)?;
    for match_state in [MatchState::Live, MatchState::Registered] {
        let page = state
            .core
            .list_matches(view, Some(match_state), None, &request)
            .await?;
        found.extend(page.items);
    }
    found.sort_by_key(|m| std::cmp::Reverse(m.updated_at));
    found.truncate(LIVE_LIMIT as usize);
    let mut with_snapshots = Vec::with_capacity(found.len());
    for record in found {
        let latest = state
            .core
            .get_match(view, &record.match_id)
            .await?
            .into_iter()
            .find(|r| r.group_code == record.group_code)
            .unwrap_or(record);
        with_snapshots.push(latest);
    }
    Ok(with_snapshots)
}

/// The refreshed part of the dashboard.
async fn live_part(state: &AppState, view: &Grant<View>) -> Result<Markup, CoreError> {
    let (gauges, _) = state.core.gauges().await?;
    let matches = live_matches(state, view).await?;
    let few = PageRequest::new(Some(10), None)?;
    let servers = state
        .core
        .list_server_overviews(view, &ServerFilter::default(), &few)
        .await?;
    let failed_filter = ExecutionFilter {
        status: Some(ExecutionStatus::Failed),
        ..ExecutionFilter::default()
    };
    let failed = state
        .core
        .list_executions_page(view, &failed_filter, &few)
        .await?;
    let lobbies = state
        .core
        .evr_match_page(view, &EvrMatchQuery::default(), &few)
        .await?;
    let broadcasters = state
        .core
        .broadcaster_page(view, &BroadcasterQuery::default(), &few)
        .await?;
    Ok(html! {
        div.cards {
            div.card { div.n #count-spectra { (gauges.spectra_live_matches) } div.l { "Spectra matches in progress" } }
            div.card { div.n { (gauges.evr_live_matches) } div.l { "EVR lobbies" } }
            div.card { div.n { (gauges.evr_broadcasters) } div.l { "Broadcasters" } }
            div.card { div.n { (gauges.executions_queued) } div.l { "Executions queued" } }
            div.card { div.n { (gauges.executions_leased) } div.l { "Executions handed out" } }
        }
        h2 { "Live Spectra matches" }
        div.table-wrap {
            table #live-matches.cards-narrow {
                thead { tr { th { "Match" } th { "Observer" } th { "Map" } th { "Round" } th { "Score" } th { "State" } th { "Updated" } } }
                tbody {
                    @if matches.is_empty() { (empty_row(7, "No match in progress.")) }
                    @for m in &matches {
                        tr data-match=(m.match_id) {
                            td data-label="Match" { a.mono href={ "/console/matches/" (m.match_id) } { (m.match_id) } }
                            td.mono data-label="Observer" { (m.group_code) }
                            td data-label="Map" { (m.map.as_deref().unwrap_or("—")) }
                            td.round data-label="Round" { (m.round_number) " · " (m.round_phase) }
                            td.score data-label="Score" { (score(m.snapshot.as_ref()).unwrap_or_else(|| "—".to_owned())) }
                            td data-label="State" { (badge(m.state.as_str())) }
                            td data-label="Updated" { (when(Some(m.updated_at))) }
                        }
                    }
                }
            }
        }
        h2 { "EVR lobbies" }
        div.table-wrap {
            table #live-lobbies {
                thead { tr { th { "Match" } th { "Mode" } th { "State" } th { "Players" } } }
                tbody {
                    @if lobbies.items.is_empty() { (empty_row(4, "No EVR lobby.")) }
                    @for m in &lobbies.items {
                        tr {
                            td.mono { (m.id) }
                            td { (m.mode.as_deref().unwrap_or("—")) }
                            td { (badge(m.state.as_str())) }
                            td { (m.player_count) " / " (m.player_limit) }
                        }
                    }
                }
            }
        }
        h2 { "Broadcasters" }
        div.table-wrap {
            table #live-broadcasters {
                thead { tr { th { "Endpoint" } th { "Regions" } th { "State" } th { "Last heartbeat" } } }
                tbody {
                    @if broadcasters.items.is_empty() { (empty_row(4, "No broadcaster.")) }
                    @for b in &broadcasters.items {
                        tr {
                            td.mono { (b.endpoint) }
                            td { (b.regions.join(", ")) }
                            td { (badge(b.state.as_str())) }
                            td { (when(Some(b.last_heartbeat_at))) }
                        }
                    }
                }
            }
        }
        h2 { "Game servers" }
        div.table-wrap {
            table #live-servers {
                thead { tr { th { "Server" } th { "State" } th { "Last poll" } th { "Queue" } } }
                tbody {
                    @if servers.items.is_empty() { (empty_row(4, "No game server.")) }
                    @for s in &servers.items {
                        tr {
                            td { (s.server.name) }
                            td { @if s.polling { (badge("polling")) } @else { (badge("stale")) } }
                            td { (when(s.server.last_poll_at)) }
                            td { (s.queue_depth) }
                        }
                    }
                }
            }
        }
        @if servers.next_cursor.is_some() { p { a href="/console/servers" { "All servers →" } } }
        h2 { "Recent failed executions" }
        div.table-wrap {
            table #failed-executions {
                thead { tr { th { "#" } th { "Server" } th { "Kind" } th { "Error" } th { "Finished" } } }
                tbody {
                    @if failed.items.is_empty() { (empty_row(5, "No failed execution.")) }
                    @for e in &failed.items {
                        tr {
                            td { a href="/console/executions?status=failed" { (e.id) } }
                            td.mono { (e.server_id) }
                            td { (e.kind.as_str()) }
                            td { (e.error.as_deref().unwrap_or("")) }
                            td { (when(e.finished_at)) }
                        }
                    }
                }
            }
        }
    })
}

/// `GET /console`.
pub async fn show_dashboard(
    console: Console,
    State(state): State<AppState>,
) -> Result<HtmlPage, super::html::HtmlError> {
    let live = live_part(&state, &console.view()?).await?;
    let body = html! {
        p.muted { span #live-state .live-dot {} "Updates as events arrive." }
        div #live data-live="/console/live" data-stream="/console/events" {
            (live)
        }
    };
    Ok(page(&console, "/console", "Dashboard", body))
}

/// `GET /console/live`: the dashboard's live part alone.
pub async fn show_live(
    console: Console,
    State(state): State<AppState>,
) -> Result<HtmlPage, super::html::HtmlError> {
    Ok(HtmlPage::ok(live_part(&state, &console.view()?).await?))
}
