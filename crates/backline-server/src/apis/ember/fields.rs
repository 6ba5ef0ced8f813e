//! The typed parameters of each Ember endpoint: path parameters, and the merged query and body
//! (PHP-style form or JSON, decoded by [`super::decode_request`]) read into request structs by
//! [`super::extract::Input`]. The same types describe the parameters in the OpenAPI document,
//! so what the handlers read and what the document says cannot drift apart.
//!
//! The tolerances (numbers as text, `a[]=` lists, comma-separated ids, blank as absent, `[]` as
//! an empty group) live in [`super::lenient`]; the limits written here (`minimum`,
//! `max_length`, `pattern`) are the ones the core enforces, so the document states them.

use super::lenient;
use backline_domain::ember::bans::BanScope;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A player, by account source and id: the path of every `/players/…` route.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PlayerPath {
    /// The account source: `steam`, `discord`, `minecraft`, … (1–32 characters of `a-z`,
    /// `0-9`, `_`, `-`; anything else is a 422 naming `source`).
    #[param(pattern = "^[a-z0-9_-]{1,32}$", min_length = 1, max_length = 32)]
    pub source: String,
    /// The player's id at that source, as text (Steam64 ids do not fit a double), in the
    /// source's format: a Steam64 id (digits) or a Steam2 id (`STEAM_X:Y:Z`) for `steam`, a
    /// player name (1 to 16 letters, digits or `_`) or a UUID for `minecraft`, 1 to 128
    /// letters, digits, `-` or `_` for `evr`; for any source 1 to 128 characters without
    /// control characters, white space, quotes, `;` or a backslash (the pattern). Anything
    /// else is a 422 naming `account_id`.
    #[param(
        min_length = 1,
        max_length = 128,
        pattern = r#"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000"'`;\\]{1,128}$"#
    )]
    pub account_id: String,
}

/// A player and one of the in-game groups: the path of `DELETE …/roles/{ingame}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PlayerRolePath {
    /// As in [`PlayerPath`].
    #[param(pattern = "^[a-z0-9_-]{1,32}$", min_length = 1, max_length = 32)]
    pub source: String,
    /// As in [`PlayerPath`].
    #[param(
        min_length = 1,
        max_length = 128,
        pattern = r#"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000"'`;\\]{1,128}$"#
    )]
    pub account_id: String,
    /// The role's in-game equivalent, percent-encoded (it may hold spaces); 1–64 characters.
    #[param(min_length = 1, max_length = 64)]
    pub ingame: String,
}

/// The execution `finish` reports on.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ExecutionPath {
    /// The `payload.execution_id` of the delivered action. One that is not an integer, or
    /// not this server's, is a 404 (Laravel's route model binding).
    pub execution_id: i64,
}

/// `meta`'s parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetaRequest {
    /// The actions whose settings are wanted (`actions[]=settings`; `settings` is the only one
    /// today). Other names, and a value that is not a list, are ignored.
    #[serde(default, deserialize_with = "lenient::names")]
    #[param(rename = "actions[]")]
    pub actions: Vec<String>,
}

/// `poll`'s parameters: the players on the server by source and presence state
/// (`players[steam][connected][ids][]=…`). A player absent from the poll is offline there.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PollRequest {
    /// `{<source>: {"connecting"?: {"ids": [...]}, "connected"?: {"ids": [...]}}}`, the
    /// source as in a player's path; empty (`players=`, `[]`) or absent when no one is there.
    #[serde(default, deserialize_with = "lenient::groups")]
    #[schema(schema_with = players_schema)]
    pub players: BTreeMap<String, PresenceStates>,
}

/// `players`: an object by source (each key a source as in a player's path), or empty (`""`
/// from a form's `players=`, or `[]`) when no one is there.
fn players_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{
        AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type,
    };
    let by_source = ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Object))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[a-z0-9_-]{1,32}$")),
        ))
        .additional_properties(Some(utoipa::openapi::Ref::from_schema_name(
            "PresenceStates",
        )));
    let empty_text = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([""]));
    let empty_list = ArrayBuilder::new().max_items(Some(0));
    Schema::AnyOf(
        AnyOfBuilder::new()
            .item(by_source)
            .item(empty_text)
            .item(empty_list)
            .build(),
    )
}

/// The players of one source, by presence state; another state is a 422 naming it
/// (`players.steam.sleeping`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceStates {
    /// Players in game; `null`, `""` or `[]` when no one is.
    #[serde(default, deserialize_with = "lenient::group")]
    #[schema(schema_with = presence_group_schema)]
    pub connected: PresenceIds,
    /// Players joining: they get their roles, or their kick when banned; `null`, `""` or `[]`
    /// when no one is.
    #[serde(default, deserialize_with = "lenient::group")]
    #[schema(schema_with = presence_group_schema)]
    pub connecting: PresenceIds,
}

/// One presence state: its ids, or an empty group as [`lenient::group`] reads it (`null`, `""`
/// from a form's `connected=`, or `[]`).
fn presence_group_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
    Schema::AnyOf(
        AnyOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name("PresenceIds"))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([""])),
            )
            .item(ArrayBuilder::new().max_items(Some(0)))
            .build(),
    )
}

/// Account ids in one presence state.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PresenceIds {
    /// Account ids (1–128 characters each, each in its source's format as in a player's path;
    /// one that is not is a 422 naming `players.<source>`): `ids[]=1&ids[]=2`, or `ids=1,2`
    /// (trimmed, empty items dropped).
    #[serde(default, deserialize_with = "lenient::list")]
    #[schema(schema_with = ids_schema)]
    pub ids: Vec<String>,
}

/// `ids`: a list of account ids (1–128 characters; blank items are dropped), or the same as
/// one comma-separated text; a number or a boolean, alone or in the list, is read as its JSON
/// text (PHP clients send Steam ids as numbers); `null` is no one.
fn ids_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
    let scalar = |max_length: Option<usize>| {
        AnyOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(max_length),
            )
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
    };
    Schema::AnyOf(
        AnyOfBuilder::new()
            .item(ArrayBuilder::new().items(scalar(Some(128))))
            .item(scalar(None))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .build(),
    )
}

/// `finish`'s parameters.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FinishRequest {
    /// Why the execution failed; absent or blank when it succeeded.
    #[serde(default, deserialize_with = "lenient::text")]
    #[schema(schema_with = any_text)]
    pub error: Option<String>,
}

/// A ban's parameters. The issuing admin, if any, is `admin_<source>_account_id` (e.g.
/// `admin_steam_account_id`), named after the path's source, an account id at that source.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BanRequest {
    /// `server` (the default), `global` or `web`, in any case.
    #[serde(default, deserialize_with = "ban_scope")]
    pub scope: Option<BanScope>,
    /// Minutes until the ban ends; absent or 0 for a permanent ban. An integer, or its
    /// decimal text (a JSON number such as `30.0` is accepted too).
    #[serde(default, deserialize_with = "lenient::integer")]
    #[schema(minimum = 0, maximum = 52_560_000)]
    pub duration_minutes: Option<i64>,
    /// Free text, at most 1000 characters.
    #[serde(default, deserialize_with = "lenient::text")]
    #[schema(schema_with = reason_text)]
    pub reason: Option<String>,
}

/// Upstream: Laravel's `in:server,global,web`; Ember compares case-insensitively.
fn ban_scope<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<BanScope>, D::Error> {
    lenient::choice(deserializer, BanScope::parse)
}

/// A role, by its in-game equivalent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRequest {
    /// The role's in-game equivalent (the exact in-game group name), 1–64 characters; one no
    /// role has is a 422.
    #[serde(deserialize_with = "lenient::required_text")]
    #[schema(schema_with = role_name_text)]
    pub name: String,
}

/// A text field as [`lenient::text`] reads it: a string, or a number or a boolean taken as
/// its JSON text (PHP clients send either); `null` when the field may be absent.
fn text_schema(nullable: bool, length: Option<(usize, usize)>) -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let mut types = vec![Type::String, Type::Number, Type::Boolean];
    if nullable {
        types.push(Type::Null);
    }
    let builder = ObjectBuilder::new().schema_type(SchemaType::from_iter(types));
    match length {
        Some((min, max)) => builder.min_length(Some(min)).max_length(Some(max)),
        None => builder,
    }
    .build()
}

fn any_text() -> utoipa::openapi::schema::Object {
    text_schema(true, None)
}

fn reason_text() -> utoipa::openapi::schema::Object {
    text_schema(true, Some((0, 1000)))
}

fn role_name_text() -> utoipa::openapi::schema::Object {
    text_schema(false, Some((1, 64)))
}

/// `primaryrole`'s answer.
#[derive(Serialize, ToSchema)]
pub struct PrimaryRole {
    /// The in-game equivalent of the player's primary role, if any.
    pub name: Option<String>,
}
