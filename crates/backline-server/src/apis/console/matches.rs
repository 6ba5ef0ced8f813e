//! Spectra matches: the list (filtered by state), a match's observers, its statistics, and
//! the statistics as CSV.

use super::dashboard::score;
use super::extract::{Path, Query};
use super::html::{HtmlError, HtmlPage};
use super::layout::{badge, empty_row, page, pager, when};
use super::session::Console;
use crate::core::page::PageRequest;
use crate::core::stats::stats_csv;
use crate::core::CoreError;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use backline_domain::spectra::lifecycle::MatchState;
use backline_domain::spectra::stats::MatchStats;
use maud::{html, Markup};
use serde::Deserialize;

const STATES: [&str; 4] = ["registered", "live", "completed", "abandoned"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    org: String,
    cursor: Option<String>,
}

/// `GET /console/matches`: the latest matches, newest first.
pub async fn list_matches(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<HtmlPage, HtmlError> {
    let match_state = match query.state.as_str() {
        "" => None,
        s => Some(MatchState::parse(s).ok_or_else(|| {
            HtmlError::new(
                StatusCode::BAD_REQUEST,
                "Bad filter",
                format!("unknown state `{s}`"),
            )
        })?),
    };
    let request = PageRequest::new(None, query.cursor.clone())?;
    let org = Some(query.org.clone()).filter(|o| !o.is_empty());
    let listed = state
        .core
        .list_matches(&console.view()?, match_state, org, &request)
        .await?;
    let matches = &listed.items;
    let base = format!(
        "/console/matches?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("state", &query.state)
            .append_pair("org", &query.org)
            .finish()
    );
    let body = html! {
        form.filters method="get" action="/console/matches" {
            div { label for="state" { "State" }
                select #state name="state" {
                    option value="" { "any" }
                    @for s in STATES { option value=(s) selected[query.state == s] { (s) } }
                } }
            div { label for="org" { "Organisation id" } input #org name="org" value=(query.org); }
            button.quiet type="submit" { "Filter" }
        }
        p.hint { "Most recently updated first." }
        div.table-wrap {
            table {
                thead { tr { th { "Match" } th { "Observer" } th { "Map" } th { "Round" } th { "State" } th { "Updated" } } }
                tbody {
                    @if matches.is_empty() { (empty_row(6, "No match.")) }
                    @for m in matches {
                        tr {
                            td { a.mono href={ "/console/matches/" (m.match_id) } { (m.match_id) } }
                            td.mono { (m.group_code) }
                            td { (m.map.as_deref().unwrap_or("—")) }
                            td { (m.round_number) " · " (m.round_phase) }
                            td { (badge(m.state.as_str())) }
                            td { (when(Some(m.updated_at))) }
                        }
                    }
                }
            }
        }
    };
    let body =
        html! { (body) (pager(&base, listed.next_cursor.as_deref(), query.cursor.is_some())) };
    Ok(page(&console, "/console/matches", "Matches", body))
}

fn stats_tables(stats: &MatchStats) -> Markup {
    html! {
        div.table-wrap {
            table #team-stats {
                thead { tr { th { "Team" } th { "Rounds won" } th { "Attack" } th { "Defence" } } }
                tbody {
                    @for (i, team) in stats.teams.iter().enumerate() {
                        tr {
                            td { (team.name) " (" (team.tricode) ")" @if stats.winner == Some(i) { " " (badge("ok")) } }
                            td { (team.rounds_won) } td { (team.attack_round_wins) } td { (team.defense_round_wins) }
                        }
                    }
                }
            }
        }
        h2 { "Players" }
        div.table-wrap {
            table #player-stats {
                thead { tr { th { "Player" } th { "Agent" } th { "K" } th { "D" } th { "A" } th { "HS %" } th { "K/D" } th { "Spent" } } }
                tbody {
                    @for p in &stats.players {
                        tr {
                            td { (p.full_name) } td { (p.agent) }
                            td { (p.kills) } td { (p.deaths) } td { (p.assists) }
                            td { (p.headshot_ratio.map(|r| format!("{:.0}", r * 100.0)).unwrap_or_else(|| "—".into())) }
                            td { (p.kd_ratio.map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into())) }
                            td { (p.money_spent) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/matches/{match_id}`.
pub async fn show_match(
    console: Console,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<HtmlPage, HtmlError> {
    let view = console.view()?;
    let observers = state.core.get_match(&view, &match_id).await?;
    let stats = match state.core.match_stats(&view, &match_id).await {
        Ok(stats) => Some(stats),
        Err(CoreError::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let body = html! {
        h2 { "Observers" }
        div.table-wrap {
            table #observers {
                thead { tr { th { "Observer" } th { "Organisation" } th { "Map" } th { "Round" } th { "Score" } th { "State" } th { "Registered" } th { "Completed" } } }
                tbody {
                    @for m in &observers {
                        tr {
                            td.mono { (m.group_code) }
                            td.mono { (m.org_id.as_deref().unwrap_or("—")) }
                            td { (m.map.as_deref().unwrap_or("—")) }
                            td { (m.round_number) " · " (m.round_phase) }
                            td.score { (score(m.snapshot.as_ref()).unwrap_or_else(|| "—".to_owned())) }
                            td { (badge(m.state.as_str())) }
                            td { (when(m.registered_at)) }
                            td { (when(m.completed_at)) }
                        }
                    }
                }
            }
        }
        h2 { "Statistics" }
        @match &stats {
            Some(stats) => {
                p { a #stats-csv href={ "/console/matches/" (match_id) "/stats.csv" } download { "Download CSV" } }
                (stats_tables(stats))
            }
            None => p.muted { "No statistics for this match yet." }
        }
    };
    Ok(page(
        &console,
        "/console/matches",
        &format!("Match {match_id}"),
        body,
    ))
}

/// `GET /console/matches/{match_id}/stats.csv`: the same CSV as the admin API's.
pub async fn download_stats_csv(
    console: Console,
    State(state): State<AppState>,
    Path(match_id): Path<String>,
) -> Result<Response, HtmlError> {
    let stats = state.core.match_stats(&console.view()?, &match_id).await?;
    let disposition = format!(
        "attachment; filename=\"match-{}.csv\"",
        match_id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        stats_csv(&stats),
    )
        .into_response())
}
