//! Executions of actions on game servers, the failed ones first, with a re-run button.

use super::extract::{Path, Query};
use super::forms::PostedForm;
use super::html::{HtmlError, HtmlPage};
use super::layout::{badge, empty_row, page, pager, when};
use super::session::{Console, Write};
use crate::core::access::Moderate;
use crate::core::page::PageRequest;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use backline_domain::ember::actions::{ExecutionOrder, ExecutionStatus};
use backline_domain::ids::ServerId;
use backline_store::ExecutionFilter;
use maud::html;
use serde::Deserialize;

const RERUN: Write<Moderate> = Write::new("console: re-run execution");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutionsQuery {
    #[serde(default)]
    server: String,
    #[serde(default)]
    status: String,
    cursor: Option<String>,
    /// Set after a re-run: the new execution's id, shown in a notice.
    rerun: Option<i64>,
}

/// `GET /console/executions`: failed first, then newest first.
pub async fn list_executions(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<ExecutionsQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(None, query.cursor.clone())?;
    let status = match query.status.as_str() {
        "" => None,
        s => Some(ExecutionStatus::parse(s).ok_or_else(|| {
            HtmlError::new(
                StatusCode::BAD_REQUEST,
                "Bad filter",
                format!("unknown status `{s}`"),
            )
        })?),
    };
    let filter = ExecutionFilter {
        server: Some(query.server.trim().to_owned())
            .filter(|s| !s.is_empty())
            .map(ServerId::from_string),
        status,
        order: ExecutionOrder::FailedFirst,
        ..ExecutionFilter::default()
    };
    let listed = state
        .core
        .list_executions_page(&console.view()?, &filter, &request)
        .await?;
    let base = format!(
        "/console/executions?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("server", &query.server)
            .append_pair("status", &query.status)
            .finish()
    );
    let may_rerun = console.may(&RERUN);
    let body = html! {
        @if let Some(id) = query.rerun { p.notice #rerun-notice { "Queued again as execution #" (id) "." } }
        form.filters method="get" action="/console/executions" {
            div { label for="server" { "Server id" } input #server name="server" value=(query.server); }
            div { label for="status" { "Status" }
                select #status name="status" {
                    option value="" { "any" }
                    @for s in ["failed", "queued", "leased", "finished"] { option value=(s) selected[query.status == s] { (s) } }
                } }
            button.quiet type="submit" { "Filter" }
        }
        div.table-wrap {
            table #executions {
                thead { tr { th { "#" } th { "Server" } th { "Kind" } th { "Player" } th { "Status" } th { "Attempts" } th { "Error" } th { "Created" } th {} } }
                tbody {
                    @if listed.items.is_empty() { (empty_row(9, "No execution.")) }
                    @for e in &listed.items {
                        tr data-execution=(e.id) {
                            td { (e.id) @if let Some(of) = e.rerun_of { br; span.muted { "re-run of #" (of) } } }
                            td.mono { (e.server_id) }
                            td { (e.kind.as_str()) }
                            td.mono { @if let Some(p) = &e.player { (p.source) ":" (p.account_id) } }
                            td { (badge(e.status.as_str())) }
                            td { (e.attempts) }
                            td { (e.error.as_deref().unwrap_or("")) }
                            td { (when(Some(e.created_at))) }
                            td {
                                @if may_rerun && e.status.is_done() {
                                    form method="post" action={ "/console/executions/" (e.id) "/rerun" } {
                                        (console.csrf_field())
                                        button.quiet type="submit" { "Re-run" }
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
    Ok(page(&console, "/console/executions", "Executions", body))
}

/// `POST /console/executions/{execution_id}/rerun`.
pub async fn rerun_execution(
    console: Console,
    State(state): State<AppState>,
    Path(execution_id): Path<i64>,
    posted: PostedForm,
) -> Result<Response, HtmlError> {
    let _: serde::de::IgnoredAny = console.form(&state, &posted)?;
    let grant = console.grant(&RERUN)?;
    let queued = state.core.rerun_execution(&grant, execution_id).await?;
    Ok(Redirect::to(&format!("/console/executions?rerun={}", queued.id)).into_response())
}
