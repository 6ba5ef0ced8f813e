//! The Nakama surface as the shared plumbing sees it ([`Surface`]): its routes under `/v2`
//! and `/healthcheck`, Nakama's error shape (gRPC codes) for answers given outside its
//! handlers, and the paths that take guesses at passwords and link tokens.

use super::NakamaError;
use crate::apis::secrets;
use crate::http::guessing::SecretFamily;
use crate::http::surface::Surface;
use crate::http::AppState;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// See the module header.
pub static NAKAMA: Surface = Surface {
    name: "nakama",
    prefixes: &["/v2", "/healthcheck"],
    router: routes,
    render_status: super::error::render_status,
    render_too_many: |message, _| NakamaError::too_many(message).into_response(),
    render_too_slow: |message| NakamaError::too_slow(message).into_response(),
    render_bad_request: |message| {
        NakamaError::new(super::error::Code::InvalidArgument, message).into_response()
    },
    guessed_at,
    before_routing: None,
};

fn routes(_: &AppState) -> Router<AppState> {
    Router::new()
        .nest("/v2", super::router())
        .route("/healthcheck", get(super::healthcheck))
}

/// Email login and the password and link RPCs (RPC ids matched as the RPC table does:
/// percent-decoded, any case).
fn guessed_at(_: &Method, path: &str) -> Option<SecretFamily> {
    if path == "/v2/account/authenticate/email" {
        return Some(secrets::PASSWORD);
    }
    let id = path.strip_prefix("/v2/rpc/")?;
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    match id.as_str() {
        "account/authenticate/password" => Some(secrets::PASSWORD),
        "link/redeem" => Some(secrets::LINK_TOKEN),
        _ => None,
    }
}
