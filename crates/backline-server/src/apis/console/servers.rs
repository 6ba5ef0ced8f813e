//! Game servers: whether each still polls, its last poll, queue depth and last error.

use super::extract::Query;
use super::html::{HtmlError, HtmlPage};
use super::layout::{badge, empty_row, page, pager, when};
use super::session::Console;
use crate::core::page::PageRequest;
use crate::http::AppState;
use axum::extract::State;
use backline_store::ServerFilter;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServersQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    polling: String,
    cursor: Option<String>,
}

/// `GET /console/servers`.
pub async fn list_servers(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<ServersQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(None, query.cursor.clone())?;
    let filter = ServerFilter {
        name_contains: Some(query.name.trim().to_owned()).filter(|n| !n.is_empty()),
        polling: match query.polling.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        ..ServerFilter::default()
    };
    let listed = state
        .core
        .list_server_overviews(&console.view()?, &filter, &request)
        .await?;
    let base = format!(
        "/console/servers?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("name", &query.name)
            .append_pair("polling", &query.polling)
            .finish()
    );
    let body = html! {
        form.filters method="get" action="/console/servers" {
            div { label for="name" { "Name contains" } input #name name="name" value=(query.name); }
            div { label for="polling" { "Polling" }
                select #polling name="polling" {
                    option value="" { "any" }
                    option value="yes" selected[query.polling == "yes"] { "polling" }
                    option value="no" selected[query.polling == "no"] { "stopped" }
                } }
            button.quiet type="submit" { "Filter" }
        }
        div.table-wrap {
            table #servers {
                thead { tr { th { "Server" } th { "Game" } th { "Groups" } th { "State" } th { "Last poll" } th { "Queue" } th { "Last error" } } }
                tbody {
                    @if listed.items.is_empty() { (empty_row(7, "No game server.")) }
                    @for s in &listed.items {
                        tr {
                            td { (s.server.name) br; span.mono.muted { (s.server.id) } }
                            td { (s.server.game) }
                            td { (s.server.groups.join(", ")) }
                            td { @if s.polling { (badge("polling")) } @else { (badge("stale")) } }
                            td { (when(s.server.last_poll_at)) }
                            td { (s.queue_depth) @if s.leased > 0 { " (" (s.leased) " handed out)" } }
                            td {
                                @if let Some(e) = &s.last_error {
                                    a href={ "/console/executions?server=" (s.server.id) "&status=failed" } { "#" (e.execution_id) } ": " (e.error) br;
                                    span.muted { (when(Some(e.at))) }
                                } @else { "—" }
                            }
                        }
                    }
                }
            }
        }
        (pager(&base, listed.next_cursor.as_deref(), query.cursor.is_some()))
    };
    Ok(page(&console, "/console/servers", "Game servers", body))
}
