//! The audit log: every write through the admin API, the console and the CLI, newest first,
//! filtered by actor, action or entity.

use super::extract::Query;
use super::html::{HtmlError, HtmlPage};
use super::layout::{empty_row, page, pager, when};
use super::session::Console;
use crate::core::page::{PageRequest, DEFAULT_PAGE};
use crate::http::AppState;
use axum::extract::State;
use backline_store::AuditFilter;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    action: String,
    cursor: Option<String>,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `GET /console/audit`.
pub async fn list_audit(
    console: Console,
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<HtmlPage, HtmlError> {
    let request = PageRequest::new(Some(DEFAULT_PAGE), query.cursor.clone())?;
    let filter = AuditFilter {
        actor: given(&query.actor),
        entity_type: given(&query.entity_type),
        entity_id: given(&query.entity_id),
        action: given(&query.action),
        ..AuditFilter::default()
    };
    let listed = state
        .core
        .list_audit(&console.view()?, filter, &request)
        .await?;
    let base = format!(
        "/console/audit?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("actor", &query.actor)
            .append_pair("action", &query.action)
            .append_pair("entity_type", &query.entity_type)
            .append_pair("entity_id", &query.entity_id)
            .finish()
    );
    let body = html! {
        form.filters method="get" action="/console/audit" {
            div { label for="actor" { "Actor" } input #actor name="actor" value=(query.actor); }
            div { label for="action" { "Action" } input #action name="action" value=(query.action); }
            div { label for="entity_type" { "Entity type" } input #entity_type name="entity_type" value=(query.entity_type); }
            div { label for="entity_id" { "Entity id" } input #entity_id name="entity_id" value=(query.entity_id); }
            button.quiet type="submit" { "Filter" }
        }
        div.table-wrap {
            table #audit {
                thead { tr { th { "When" } th { "Actor" } th { "Action" } th { "Entity" } th { "From" } } }
                tbody {
                    @if listed.items.is_empty() { (empty_row(5, "Nothing recorded.")) }
                    @for e in &listed.items {
                        tr {
                            td { (when(Some(e.at))) }
                            td { (e.actor) }
                            td.mono { (e.action) }
                            td { (e.entity_type) " " span.mono { (e.entity_id.as_deref().unwrap_or("")) } }
                            td.mono { (e.source) }
                        }
                    }
                }
            }
        }
        (pager(&base, listed.next_cursor.as_deref(), query.cursor.is_some()))
    };
    Ok(page(&console, "/console/audit", "Audit log", body))
}
