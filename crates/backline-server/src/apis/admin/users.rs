//! Users: the accounts of the Nakama surface, shared by every surface (`backline user`).
//!
//! `{user_id}` in a path is a user's id or, as the CLI accepts, a username (the id is tried
//! first). Every answer that changes a user is the user as `GET /users/{user_id}` shows it:
//! the user's fields (`id`, `username`, `display_name`, `email`, `disabled`, `created_at`, …)
//! with `groups` and `external_accounts`; never a password or its hash.

use super::extract::{AdminJson, Path, Query};
use super::paging::page_request;
use super::AdminError;
use crate::core::access::{Administer, Grant, Moderate, View};
use crate::core::accounts::{AccountView, NewUser};
use crate::core::page::Page;
use crate::core::CoreError;
use crate::http::json_error::JsonErrorBody;
use crate::http::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use backline_domain::accounts::{SystemGroup, User};
use backline_store::UserFilter;
use serde::Deserialize;

/// Filters of `GET /admin/v1/users` beside the page (users in username order).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListUsersQuery {
    /// A piece of the username, display name or email (case-insensitive).
    q: Option<String>,
    disabled: Option<bool>,
    /// A system group (`Global Operators`, or `global-operators`).
    #[param(
        pattern = "^(Global Bots|Global Developers|Global Operators|Global Private Data Access)$"
    )]
    group: Option<String>,
    /// Users with an external account of this source (`discord`, `steam`, …)…
    source: Option<String>,
    /// …with this account id (needs `source`).
    external_id: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`, as handed out (opaque); any other value is refused
    /// with a 422.
    cursor: Option<String>,
}

/// A system group named in a path or query: its name in any case, with `-` or `_` for the
/// spaces (`global-bots`).
fn group(text: &str) -> Result<SystemGroup, AdminError> {
    SystemGroup::parse(&text.replace(['-', '_'], " ")).ok_or_else(|| {
        CoreError::invalid(
            "group",
            format!(
                "unknown group `{text}`; use Global Bots, Global Developers, Global Operators \
                 or Global Private Data Access"
            ),
        )
        .into()
    })
}

/// Users in username order, in pages.
#[utoipa::path(
    get,
    path = "/admin/v1/users",
    tag = "admin",
    security(("admin_token" = [])),
    params(ListUsersQuery),
    responses(
        (status = 200, description = "Users in username order", body = Page<User>),
        (status = 422, description = "A bad filter or limit", body = JsonErrorBody),
    ),
)]
pub async fn list_users(
    grant: Grant<View>,
    State(state): State<AppState>,
    Query(q): Query<ListUsersQuery>,
) -> Result<Json<Page<User>>, AdminError> {
    let page = page_request(q.limit, q.cursor)?;
    let filter = UserFilter {
        text: q.q,
        disabled: q.disabled,
        group: q.group.as_deref().map(group).transpose()?,
        source: q.source,
        account_id: q.external_id,
    };
    Ok(Json(state.core.list_users(&grant, filter, &page).await?))
}

/// `POST /admin/v1/users`, as `backline user create`: a username, optionally an email, a
/// password (8 to 1024 characters; none means the user cannot sign in with one) and a
/// display name (the username when absent).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 1 to 128 characters, no whitespace. (The patterns spell out Unicode's White_Space, what
    /// the server tests, since `\s` means another set in each regex dialect.)
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+$"
    )]
    username: String,
    /// `local@domain.tld`, at most 255 characters (stored in lower case).
    #[schema(
        max_length = 255,
        pattern = r"^[\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^@\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+@[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*\.[^\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    email: Option<String>,
    /// 8 to 1024 characters.
    #[schema(min_length = 8, max_length = 1024)]
    password: Option<String>,
    display_name: Option<String>,
}

/// Creates a user: 201 with the user (its `id`), 409 when the username or email is taken.
#[utoipa::path(
    post,
    path = "/admin/v1/users",
    tag = "admin",
    security(("admin_token" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "The user with its groups and external accounts", body = Object),
        (status = 409, description = "The username or email is taken", body = JsonErrorBody),
        (status = 422, description = "A bad username, email or password", body = JsonErrorBody),
    ),
)]
pub async fn create_user(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    AdminJson(req): AdminJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<AccountView>), AdminError> {
    let new = NewUser {
        username: Some(req.username),
        display_name: req.display_name,
        email: req.email,
        password: req.password,
        external: Vec::new(),
    };
    let view = state.core.create_user_as_operator(&grant, new).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A user with its external accounts, system groups, disabled state and creation time.
#[utoipa::path(
    get,
    path = "/admin/v1/users/{user_id}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("user_id" = String, Path)),
    responses(
        (status = 200, description = "The user with its groups and external accounts", body = Object),
    ),
)]
pub async fn get_user(
    grant: Grant<View>,
    State(state): State<AppState>,
    Path(user): Path<String>,
) -> Result<Json<AccountView>, AdminError> {
    Ok(Json(state.core.user_account(&grant, &user).await?))
}

/// Disables a user (as `backline user disable`): it cannot sign in, and every session it has
/// is refused at once, on every node (the state is in the database).
#[utoipa::path(
    post,
    path = "/admin/v1/users/{user_id}/disable",
    tag = "admin",
    security(("admin_token" = [])),
    params(("user_id" = String, Path)),
    responses(
        (status = 200, description = "The user, disabled (its sessions refused)", body = Object),
    ),
)]
pub async fn disable_user(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(user): Path<String>,
) -> Result<Json<AccountView>, AdminError> {
    Ok(Json(state.core.set_disabled(&grant, &user, true).await?))
}

/// Enables a user again (as `backline user enable`): sessions that have not expired work
/// again, as they do after the CLI's enable.
#[utoipa::path(
    post,
    path = "/admin/v1/users/{user_id}/enable",
    tag = "admin",
    security(("admin_token" = [])),
    params(("user_id" = String, Path)),
    responses(
        (status = 200, description = "The user, enabled (unexpired sessions work again)", body = Object),
    ),
)]
pub async fn enable_user(
    grant: Grant<Moderate>,
    State(state): State<AppState>,
    Path(user): Path<String>,
) -> Result<Json<AccountView>, AdminError> {
    Ok(Json(state.core.set_disabled(&grant, &user, false).await?))
}

/// `PUT /admin/v1/users/{user_id}/password`: the new password, checked as the CLI checks it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    /// 8 to 1024 characters.
    #[schema(min_length = 8, max_length = 1024)]
    password: String,
}

/// Sets a user's password (as `backline user password`).
#[utoipa::path(
    put,
    path = "/admin/v1/users/{user_id}/password",
    tag = "admin",
    security(("admin_token" = [])),
    params(("user_id" = String, Path)),
    request_body = PasswordRequest,
    responses(
        (status = 200, description = "The user", body = Object),
        (status = 422, description = "A password too short or too long", body = JsonErrorBody),
    ),
)]
pub async fn set_password(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(user): Path<String>,
    AdminJson(req): AdminJson<PasswordRequest>,
) -> Result<Json<AccountView>, AdminError> {
    Ok(Json(
        state.core.set_password(&grant, &user, req.password).await?,
    ))
}

/// `POST /admin/v1/users/{user_id}/links`: an external account to link.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// `discord`, `steam`, …: 1 to 32 of `a-z`, `0-9`, `_`, `-`.
    #[schema(pattern = "^[a-z0-9_-]{1,32}$", example = "steam")]
    source: String,
    /// The account's id at `source`, in that source's format, as a player's `account_id` (a
    /// Steam64 or Steam2 id for `steam`, a name or UUID for `minecraft`, …; any source's within
    /// the pattern). Anything else is a 422 naming `account_id`.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r#"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000"'`;\\]{1,128}$"#
    )]
    external_id: String,
}

/// Links an external account (as `backline user link`): 201 with the user; 409 when the
/// account is linked to another user; linking one the user has already changes nothing.
#[utoipa::path(
    post,
    path = "/admin/v1/users/{user_id}/links",
    tag = "admin",
    security(("admin_token" = [])),
    params(("user_id" = String, Path)),
    request_body = LinkRequest,
    responses(
        (status = 201, description = "The user with the account linked", body = Object),
        (status = 409, description = "The account is linked to another user", body = JsonErrorBody),
        (status = 422, description = "A bad source or id", body = JsonErrorBody),
    ),
)]
pub async fn link_account(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path(user): Path<String>,
    AdminJson(req): AdminJson<LinkRequest>,
) -> Result<(StatusCode, Json<AccountView>), AdminError> {
    let view = state
        .core
        .link_account(&grant, &user, &req.source, &req.external_id)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `DELETE /admin/v1/users/{user_id}/links/{source}?external_id=`: which account of the
/// source, needed only when the user has several.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnlinkQuery {
    external_id: Option<String>,
}

/// Unlinks the user's account of a source (as `backline user unlink`); 404 when the user has
/// none, 422 when it has several and `external_id` does not name one.
#[utoipa::path(
    delete,
    path = "/admin/v1/users/{user_id}/links/{source}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("user_id" = String, Path), ("source" = String, Path, pattern = "^[a-z0-9_-]{1,32}$"), UnlinkQuery),
    responses(
        (status = 200, description = "The user without the account", body = Object),
        (status = 422, description = "Several accounts of the source and no external_id naming one", body = JsonErrorBody),
    ),
)]
pub async fn unlink_account(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path((user, source)): Path<(String, String)>,
    Query(q): Query<UnlinkQuery>,
) -> Result<Json<AccountView>, AdminError> {
    Ok(Json(
        state
            .core
            .unlink_source(&grant, &user, &source, q.external_id.as_deref())
            .await?,
    ))
}

/// Adds the user to a system group (`{group}`: `Global%20Bots` or `global-bots`).
#[utoipa::path(
    put,
    path = "/admin/v1/users/{user_id}/groups/{group}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("user_id" = String, Path), ("group" = String, Path, pattern = "^(Global Bots|Global Developers|Global Operators|Global Private Data Access)$", description = "A system group: its name, in any case, with `-` or `_` for the spaces")),
    responses(
        (status = 200, description = "The user in the group", body = Object),
        (status = 422, description = "Unknown group", body = JsonErrorBody),
    ),
)]
pub async fn add_group(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path((user, name)): Path<(String, String)>,
) -> Result<Json<AccountView>, AdminError> {
    let group = group(&name)?;
    Ok(Json(
        state
            .core
            .set_group(&grant, &user, group.name(), true)
            .await?,
    ))
}

/// Removes the user from a system group (nothing changes when it was not in it).
#[utoipa::path(
    delete,
    path = "/admin/v1/users/{user_id}/groups/{group}",
    tag = "admin",
    security(("admin_token" = [])),
    params(("user_id" = String, Path), ("group" = String, Path, pattern = "^(Global Bots|Global Developers|Global Operators|Global Private Data Access)$", description = "A system group: its name, in any case, with `-` or `_` for the spaces")),
    responses(
        (status = 200, description = "The user out of the group", body = Object),
        (status = 422, description = "Unknown group", body = JsonErrorBody),
    ),
)]
pub async fn remove_group(
    grant: Grant<Administer>,
    State(state): State<AppState>,
    Path((user, name)): Path<(String, String)>,
) -> Result<Json<AccountView>, AdminError> {
    let group = group(&name)?;
    Ok(Json(
        state
            .core
            .set_group(&grant, &user, group.name(), false)
            .await?,
    ))
}
