//! OpenAPI links: where a value one operation answers is what another needs, said in the
//! document, so that tools following them (Schemathesis's stateful phase, client generators)
//! can chain the calls a client makes. A session's refresh token, for one, exists only in the
//! answer of a sign-in; no example or seeded value can stand in for it.
//!
//! Written into the JSON of the document rather than through utoipa's `Link`, which (5.5)
//! serialises its fields in snake case (`operation_id`, `request_body`), not as OpenAPI names
//! them (`operationId`, `requestBody`).

use serde_json::{json, Value};

/// The sign-ins whose `200` answers carry a session.
pub(super) const SIGN_INS: &[&str] = &[
    "/v2/account/authenticate/custom",
    "/v2/account/authenticate/device",
    "/v2/account/authenticate/email",
];

/// Adds the links to the document's JSON.
pub fn add_links(doc: &mut Value) {
    for path in SIGN_INS {
        let answer = &mut doc["paths"][path]["post"]["responses"]["200"];
        assert!(answer.is_object(), "{path} documents its 200 answer");
        answer["links"]["RefreshSession"] = json!({
            "operationId": "post_v2_account_session_refresh",
            "requestBody": {"token": "$response.body#/refresh_token"},
            "description": "The session's refresh token gets a new session",
        });
    }
}
