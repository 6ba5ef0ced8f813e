//! The game integration surface (Ember-compatible), under `/api/game`.
//!
//! Contract: `shared/docs/api/EMBER.md` and seed `002_…`. Parameters come from the query and
//! the body merged, as PHP-style forms or JSON (decoded by [`decode_request`], which runs before
//! routing so `_method` can choose the route); errors are Laravel's JSON.

mod decode;
mod error;
mod extract;
mod fields;
pub mod form;
mod lenient;
mod players;
mod polling;
pub mod surface;

#[doc(hidden)]
pub use decode::decode_params;
pub use error::{EmberError, EmberErrorBody};

use crate::http::{panic, AppState};
use axum::routing::{delete, get, patch, post};
use axum::Router;

/// The game integration's operations in the OpenAPI document: a handler joins the list when
/// its route joins the router below.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        polling::get_meta,
        polling::poll,
        polling::finish_execution,
        players::create_ban,
        players::lift_bans,
        players::grant_role,
        players::revoke_role,
        players::get_primary_role,
        players::set_primary_role,
        players::create_link_token,
    ),
    // Named by `poll`'s hand-written `players` schema, which the paths do not collect.
    components(schemas(fields::PresenceStates, fields::PresenceIds)),
    tags((name = "ember", description = "The Ember-compatible game integration (Laravel errors)")),
)]
pub struct EmberApi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meta", get(polling::get_meta))
        .route("/poll", post(polling::poll))
        .route(
            "/actions/executions/{execution_id}/finish",
            patch(polling::finish_execution),
        )
        .route(
            "/players/{source}/{account_id}/bans",
            post(players::create_ban).delete(players::lift_bans),
        )
        .route(
            "/players/{source}/{account_id}/roles",
            post(players::grant_role),
        )
        .route(
            "/players/{source}/{account_id}/roles/{ingame}",
            delete(players::revoke_role),
        )
        .route(
            "/players/{source}/{account_id}/primaryrole",
            get(players::get_primary_role).post(players::set_primary_role),
        )
        .route(
            "/players/{source}/{account_id}/linktoken",
            post(players::create_link_token),
        )
        .fallback(|| async { error::render_status(axum::http::StatusCode::NOT_FOUND) })
        .method_not_allowed_fallback(|| async {
            error::render_status(axum::http::StatusCode::METHOD_NOT_ALLOWED)
        })
        .layer(panic::layer(error::render_status))
}

pub use decode::{decode_request, is_game_path};
