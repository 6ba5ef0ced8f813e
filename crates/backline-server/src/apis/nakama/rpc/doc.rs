//! The RPC table in the OpenAPI document: one path per RPC id (`/v2/rpc/<id>`, GET and POST),
//! since the router serves them all through `/v2/rpc/{*id}`. An RPC added to `dispatch` is
//! added to [`RPCS`] too (`tests/api/openapi.rs` compares them).

use crate::apis::nakama::NakamaErrorBody;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Paths, Ref, Required, ResponseBuilder};
use utoipa::{PartialSchema, ToSchema};

/// Who may call an RPC.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Callers {
    /// A signed-in user (session) or a server with the http key.
    SessionOrHttpKey,
    /// Only a signed-in user.
    Session,
}

/// Every RPC of the table: id, what it does, who may call it.
const RPCS: &[(&str, &str, Callers)] = &[
    (
        "account/authenticate/password",
        "Sign in with user id, Discord id or username and a password, or refresh a session",
        Callers::SessionOrHttpKey,
    ),
    (
        "account/lookup",
        "Look an account up by user id, username or Discord id",
        Callers::SessionOrHttpKey,
    ),
    (
        "link/redeem",
        "Link the game account of a link token to the signed-in user",
        Callers::Session,
    ),
    (
        "match",
        "List EVR matches: all, those named, or those a query selects",
        Callers::SessionOrHttpKey,
    ),
    (
        "match/prepare",
        "Prepare a match on a broadcaster (Global Bots, Global Operators)",
        Callers::SessionOrHttpKey,
    ),
    (
        "match/allocate",
        "Prepare a match on a broadcaster Backline picks (Global Bots, Global Operators)",
        Callers::SessionOrHttpKey,
    ),
    ("match/join", "Join a match", Callers::Session),
    ("match/leave", "Leave a match", Callers::Session),
    (
        "broadcaster/register",
        "Register a game server as a broadcaster",
        Callers::Session,
    ),
    (
        "broadcaster/heartbeat",
        "A broadcaster's heartbeat (at least every 30 s)",
        Callers::Session,
    ),
    (
        "broadcaster/unregister",
        "Unregister a broadcaster",
        Callers::Session,
    ),
];

fn securities(callers: Callers) -> Vec<SecurityRequirement> {
    let mut schemes = vec!["nakama_session"];
    if callers == Callers::SessionOrHttpKey {
        schemes.extend(["nakama_http_key", "nakama_http_key_basic"]);
    }
    schemes
        .into_iter()
        .map(|name| SecurityRequirement::new(name, Vec::<String>::new()))
        .collect()
}

fn error(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(NakamaErrorBody::name())))
                .build(),
        )
        .build()
}

fn operation(
    id: &str,
    summary: &str,
    callers: Callers,
    method: HttpMethod,
) -> utoipa::openapi::path::Operation {
    let verb = if method == HttpMethod::Get {
        "get"
    } else {
        "post"
    };
    let unwrap = ParameterBuilder::new()
        .name("unwrap")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(
            "Present (any value): the body is the payload and the answer is the result",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    let mut builder = OperationBuilder::new()
        .tag("nakama")
        .summary(Some(summary))
        .operation_id(Some(format!("rpc_{verb}_{}", id.replace('/', "_"))))
        .parameter(unwrap)
        .securities(Some(securities(callers)))
        .response(
            "200",
            ResponseBuilder::new()
                .description(
                    "The result; without `unwrap`, `{\"id\", \"payload\": <result as JSON text>}`",
                )
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(serde_json::Value::schema()))
                        .build(),
                )
                .build(),
        )
        .response("403", error("The caller's groups do not allow this"))
        .response("404", error("No such entity"))
        .response("409", error("A conflicting state"));
    if method == HttpMethod::Post {
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .description(Some(
                    "The payload: a JSON string holding it, or with `unwrap` the payload itself",
                ))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(serde_json::Value::schema()))
                        .build(),
                )
                .build(),
        ));
    }
    builder.build()
}

/// Adds the RPC paths to the Nakama surface's document.
pub struct RpcPaths;

impl utoipa::Modify for RpcPaths {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.paths.paths.extend(paths().paths);
    }
}

/// `/v2/rpc/<id>` for every RPC of the table.
fn paths() -> Paths {
    let mut paths = Paths::new();
    for &(id, summary, callers) in RPCS {
        let mut item = PathItem::new(
            HttpMethod::Get,
            operation(id, summary, callers, HttpMethod::Get),
        );
        item.post = Some(operation(id, summary, callers, HttpMethod::Post));
        paths.paths.insert(format!("/v2/rpc/{id}"), item);
    }
    paths
}
