//! The error answers that come from the plumbing every route of a surface shares, added to
//! each operation in its surface's error shape (handlers document their own 404/409/422):
//! unreadable input (400), a refused credential (401), a role that may not (403, admin), an
//! unknown entity named in the path, body or a list's filters (404), a malformed id or body
//! field or a bad page or filter of a list (422), a body too slow (408) or too large (413),
//! too many failed guesses or requests (429), the database unavailable (503). Also gives
//! every operation its id, and every admin API POST its `Idempotency-Key` header with the
//! answers of a key reused (422) or still in use (409).

use crate::apis::ember::EmberErrorBody;
use crate::apis::nakama::NakamaErrorBody;
use crate::app::SURFACES;
use crate::http::json_error::JsonErrorBody;
use axum::http::Method;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Required;
use utoipa::openapi::{
    Components, ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Schema,
};
use utoipa::ToSchema;

/// Routes that never reach the database.
const STORELESS: &[&str] = &[
    "/openapi.json",
    "/healthcheck",
    "/spectra/playercam/session/{identifier}",
];

fn register<T: ToSchema>(components: &mut Components) -> String {
    let name = T::name().into_owned();
    components.schemas.insert(name.clone(), T::schema());
    name
}

fn answer(schema: &str, description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(schema)))
                    .build(),
            )
            .build(),
    )
}

/// The statuses the shared plumbing may answer for `method path` (described).
fn shared_statuses(
    surface: &str,
    method: &Method,
    path: &str,
    op: &Operation,
) -> Vec<(u16, &'static str)> {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_input = has_body || path.contains('{') || op.parameters.is_some();
    let mut statuses = Vec::new();
    if has_input {
        statuses.push((400, "The input cannot be read"));
    }
    if secured {
        statuses.push((401, "The credential is missing, unknown or revoked"));
    }
    let is_write = !matches!(*method, Method::GET | Method::HEAD);
    if surface == "admin" && secured && (is_write || path.starts_with("/admin/v1/admin-tokens")) {
        statuses.push((403, "The admin token's role may not do this"));
    }
    let paged = op.parameters.iter().flatten().any(|p| p.name == "limit");
    if path.contains('{') || has_body || paged {
        statuses.push((
            404,
            "An entity named in the path, body or filters does not exist",
        ));
    }
    // Nakama answers invalid input 400; the other surfaces 422 (ids are checked by the core).
    if surface != "nakama" && (paged || has_body || path.contains('{')) {
        statuses.push((
            422,
            "A malformed id or field, a limit out of range or a bad filter",
        ));
    }
    if has_body {
        statuses.push((408, "The body was not received in time"));
        statuses.push((413, "The body is too large"));
    }
    let guessed = SURFACES.guessed_at(method, path).is_some();
    if guessed || surface == "ember" && secured {
        statuses.push((429, "Too many attempts; see Retry-After"));
    }
    if idempotent(surface, method, path) {
        statuses.push((409, "A request with this Idempotency-Key is still running"));
        statuses.push((422, "This Idempotency-Key was used with another request"));
    }
    if !STORELESS.contains(&path) {
        statuses.push((503, "The database is unavailable; try again shortly"));
    }
    statuses
}

/// Whether `method path` takes an `Idempotency-Key` (`apis/admin/idempotency.rs`).
fn idempotent(surface: &str, method: &Method, path: &str) -> bool {
    surface == "admin" && *method == Method::POST && path.starts_with("/admin/v1/")
}

/// The optional `Idempotency-Key` request header of an admin API write.
fn idempotency_key_header() -> Parameter {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(crate::core::idempotency::MAX_KEY_LEN))
        .pattern(Some("^[!-~]+$"))
        .build();
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes the write safe to send again: the first answer is kept for 24 hours and \
             replayed (with `Idempotent-Replayed: true`) for the same key and request; the key \
             with another request is a 422, while its first request runs a 409. 1 to 255 \
             visible ASCII characters, e.g. a UUID; each caller's keys are its own.",
        ))
        .schema(Some(schema))
        .build()
}

/// An operation id unique by construction: the method and the path's words
/// (`get_admin_v1_orgs_org_id`); handler names repeat across surfaces.
fn operation_id(method: &Method, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    format!(
        "{}_{}",
        method.as_str().to_ascii_lowercase(),
        words.join("_")
    )
}

/// Marks the named body schemas `minProperties: 1`: edits whose fields are all optional but
/// that must change something (an empty one is refused with a 422). Done here because
/// utoipa 5.5's `#[schema(min_properties = …)]` writes `maxProperties`.
pub fn require_a_field(doc: &mut OpenApi, schemas: &[&str]) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for name in schemas {
        match components.schemas.get_mut(*name) {
            Some(RefOr::T(Schema::Object(object))) => object.min_properties = Some(1),
            _ => unreachable!("{name} is an object schema of the document"),
        }
    }
}

/// Adds the shared error answers to every operation that does not document them itself.
pub fn add_shared_answers(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Components::default);
    let json_error = register::<JsonErrorBody>(components);
    let nakama_error = register::<NakamaErrorBody>(components);
    let ember_error = register::<EmberErrorBody>(components);
    for (path, item) in doc.paths.paths.iter_mut() {
        let surface = SURFACES.of(path).name;
        let schema = match surface {
            "nakama" => &nakama_error,
            "ember" => &ember_error,
            // The console's and link page's HTML is not part of the API document.
            "console" => continue,
            _ => &json_error,
        };
        for (method, op) in [
            (Method::GET, &mut item.get),
            (Method::POST, &mut item.post),
            (Method::PUT, &mut item.put),
            (Method::PATCH, &mut item.patch),
            (Method::DELETE, &mut item.delete),
        ] {
            let Some(op) = op else { continue };
            op.operation_id = Some(operation_id(&method, path));
            if idempotent(surface, &method, path) {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(idempotency_key_header());
            }
            for (status, description) in shared_statuses(surface, &method, path, op) {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| answer(schema, description));
            }
        }
    }
}
