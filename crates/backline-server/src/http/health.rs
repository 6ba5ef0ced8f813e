//! `/healthz` (liveness: the database answers) and `/readyz` (readiness: it answers and its
//! schema is the one this binary expects), for load balancers, orchestrators and systemd
//! units. Public, in the operator surface's JSON; served by the operator surface's router.

use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_store::SettingStore;

/// The answer of `/healthz` and `/readyz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` (`/healthz`), `ready` (`/readyz`), `unavailable` when the database cannot be
    /// reached, `migrations_pending` or `schema_newer` when its schema is not this binary's.
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

fn answer(status: StatusCode, word: &str, message: Option<String>) -> (StatusCode, Json<Health>) {
    (
        status,
        Json(Health {
            status: word.into(),
            message,
        }),
    )
}

fn unreachable() -> (StatusCode, Json<Health>) {
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        Some("database unreachable".into()),
    )
}

/// Liveness and database reachability.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operator",
    responses(
        (status = 200, description = "Serving, and the database answers", body = Health),
        (status = 503, description = "The database cannot be reached", body = Health),
    ),
)]
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.core.store.get_setting("admin_token_sha256").await {
        Ok(_) => answer(StatusCode::OK, "ok", None),
        Err(e) => {
            tracing::error!(error = %e, "health check could not reach the database");
            unreachable()
        }
    }
}

/// Readiness: the database answers and its migrations are exactly this binary's.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operator",
    responses(
        (status = 200, description = "Ready: the database answers and no migration is pending", body = Health),
        (status = 503, description = "Not ready: the database cannot be reached (`unavailable`), \
            migrations are pending (`migrations_pending`), or a newer Backline migrated it \
            (`schema_newer`)", body = Health),
    ),
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let schema = match state.core.readiness().await {
        Ok(schema) => schema,
        Err(e) => {
            tracing::error!(error = %e, "readiness check could not reach the database");
            return unreachable();
        }
    };
    if schema.is_current() {
        return answer(StatusCode::OK, "ready", None);
    }
    let at = schema
        .latest_applied()
        .map_or_else(|| "none".to_owned(), |v| v.to_string());
    let known = schema.latest_known();
    match schema.newer_than_known() {
        Some(_) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "schema_newer",
            Some(format!(
                "the database is at migration {at}, newer than this binary knows ({known})"
            )),
        ),
        None => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "migrations_pending",
            Some(format!(
                "{} migration(s) pending: the database is at {at}, this binary expects {known}",
                schema.pending()
            )),
        ),
    }
}
