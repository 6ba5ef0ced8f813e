//! Spectra-area commands: organisations, access keys, API tokens, players, matches and
//! player-cam sessions.

use super::output::{emit, grant, list, or_dash};
use super::*;
use crate::core::access::{Administer, Grant, Moderate, View};
use crate::core::page::collect;
use crate::core::players::PlayerEdit;
use crate::core::stats::stats_csv;
use crate::core::Core;
use backline_domain::ids::{ApiTokenId, OrgId};
use backline_domain::spectra::lifecycle::MatchState;
use backline_domain::tokens::ApiTokenKind;
use backline_domain::Timestamp;
use serde_json::json;

fn parse_time(text: Option<&str>) -> anyhow::Result<Option<Timestamp>> {
    Ok(text.map(Timestamp::parse_rfc3339).transpose()?)
}

pub(super) async fn org(core: &Core, command: OrgCommand, json: bool) -> anyhow::Result<()> {
    match command {
        OrgCommand::Create {
            name,
            supporter_until,
        } => {
            let org = core
                .create_org(
                    &grant::<Administer>("org create")?,
                    &name,
                    parse_time(supporter_until.as_deref())?,
                )
                .await?;
            emit(json, &org, || {
                format!("organisation {} created: {}", org.id, org.name)
            });
        }
        OrgCommand::List => {
            let view = grant::<View>("org list")?;
            let view = &view;
            let orgs = collect(
                None,
                |page| async move { core.list_orgs(view, &page).await },
            )
            .await?;
            emit(json, &list("orgs", &orgs), || {
                let now = core.now();
                orgs.iter()
                    .map(|o| format!("{}  {}  supporter={}", o.id, o.name, o.is_supporter_at(now)))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        OrgCommand::Supporter { org_id, status } => {
            let until = parse_time(status.until.as_deref())?;
            let supporter = !status.off;
            let org = core
                .set_supporter(
                    &grant::<Administer>("org supporter")?,
                    &OrgId::from_string(org_id),
                    supporter,
                    until,
                )
                .await?;
            emit(json, &org, || {
                format!(
                    "{}: supporter={} until={}",
                    org.id,
                    org.supporter,
                    or_dash(org.supporter_until)
                )
            });
        }
    }
    Ok(())
}

pub(super) async fn key(core: &Core, command: KeyCommand, json: bool) -> anyhow::Result<()> {
    match command {
        KeyCommand::Issue { org_id, expires_at } => {
            let issued = core
                .issue_key(
                    &grant::<Administer>("key issue")?,
                    &OrgId::from_string(org_id),
                    parse_time(expires_at.as_deref())?,
                )
                .await?;
            emit(json, &issued.to_json(), || {
                format!(
                    "access key {} issued (shown once): {}\nexpires: {}",
                    issued.key.id,
                    issued.secret.expose(),
                    or_dash(issued.key.expires_at)
                )
            });
        }
        KeyCommand::List { org } => {
            let org = org.map(OrgId::from_string);
            let org = org.as_ref();
            let view = grant::<View>("key list")?;
            let view = &view;
            let keys = collect(None, |page| async move {
                core.list_keys(view, org, &page).await
            })
            .await?;
            emit(json, &list("keys", &keys), || {
                keys.iter()
                    .map(|k| {
                        format!(
                            "{}  org={}  {}…  expires={}  revoked={}",
                            k.id,
                            k.org_id,
                            k.prefix,
                            or_dash(k.expires_at),
                            or_dash(k.revoked_at)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        KeyCommand::Revoke { key_or_id } => {
            let key = core
                .revoke_key(&grant::<Administer>("key revoke")?, &key_or_id)
                .await?;
            emit(json, &key, || format!("access key {} revoked", key.id));
        }
    }
    Ok(())
}

pub(super) async fn token(core: &Core, command: TokenCommand, json: bool) -> anyhow::Result<()> {
    match command {
        TokenCommand::Issue { kind, name } => {
            let kind = match kind {
                TokenKindArg::SpectraBackend => ApiTokenKind::SpectraBackend,
                TokenKindArg::SpectraStats => ApiTokenKind::SpectraStats,
            };
            let issued = core
                .issue_api_token(&grant::<Administer>("token issue")?, kind, name.as_deref())
                .await?;
            emit(json, &issued.to_json(), || {
                format!(
                    "{} token {} issued (shown once): {}",
                    kind.as_str(),
                    issued.token.id,
                    issued.secret.expose()
                )
            });
        }
        TokenCommand::List => {
            let view = grant::<View>("token list")?;
            let view = &view;
            let tokens = collect(None, |page| async move {
                core.list_api_tokens(view, &page).await
            })
            .await?;
            emit(json, &list("tokens", &tokens), || {
                tokens
                    .iter()
                    .map(|t| {
                        format!(
                            "{}  {}  {}  {}…  revoked={}",
                            t.id,
                            t.kind.as_str(),
                            t.name,
                            t.prefix,
                            or_dash(t.revoked_at)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        TokenCommand::Revoke { token_id } => {
            let token = core
                .revoke_api_token(
                    &grant::<Administer>("token revoke")?,
                    &ApiTokenId::from_string(token_id),
                )
                .await?;
            emit(json, &token, || format!("token {} revoked", token.id));
        }
    }
    Ok(())
}

pub(super) async fn player(core: &Core, command: PlayerCommand, json: bool) -> anyhow::Result<()> {
    match command {
        PlayerCommand::List { limit } => {
            let view = grant::<View>("player list")?;
            let view = &view;
            let players = collect(Some(limit), |page| async move {
                core.list_players(view, &page).await
            })
            .await?;
            emit(json, &list("players", &players), || {
                players
                    .iter()
                    .map(|p| {
                        format!(
                            "{}  {}  region={}  current={}  peak={}",
                            p.puuid,
                            or_dash(p.full_name.as_deref()),
                            or_dash(p.region.as_deref()),
                            or_dash(p.current_tier),
                            or_dash(p.peak_tier)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PlayerCommand::Set {
            puuid,
            region,
            name,
            current_tier,
            peak_tier,
        } => {
            let edit = PlayerEdit {
                full_name: name,
                region,
                current_tier,
                peak_tier,
            };
            let p = core
                .edit_player(&grant::<Moderate>("player set")?, &puuid, &edit)
                .await?;
            emit(json, &p, || {
                format!(
                    "{}: region={} current={} peak={}",
                    p.puuid,
                    or_dash(p.region.as_deref()),
                    or_dash(p.current_tier),
                    or_dash(p.peak_tier)
                )
            });
        }
    }
    Ok(())
}

pub(super) async fn matches(core: &Core, command: MatchCommand, json: bool) -> anyhow::Result<()> {
    match command {
        MatchCommand::List { state, org, limit } => {
            let state = state
                .map(|s| {
                    MatchState::parse(&s).ok_or_else(|| {
                        anyhow::anyhow!(
                            "unknown state `{s}`; use registered, live, completed or abandoned"
                        )
                    })
                })
                .transpose()?;
            let view = grant::<View>("match list")?;
            let view = &view;
            let records = collect(Some(limit), |page| {
                let org = org.clone();
                async move { core.list_matches(view, state, org, &page).await }
            })
            .await?;
            emit(json, &list("matches", &records), || {
                records
                    .iter()
                    .map(|m| {
                        format!(
                            "{}  group={}  {}  round={}  map={}  updated={}",
                            m.match_id,
                            m.group_code,
                            m.state.as_str(),
                            m.round_number,
                            or_dash(m.map.as_deref()),
                            m.updated_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        MatchCommand::Show { match_id } => {
            let view = grant::<View>("match show")?;
            let observers = core.get_match(&view, &match_id).await?;
            // A match without stats has no region; any other failure is the command's.
            let region = match core.get_stats(&view, &match_id).await {
                Ok(stats) => stats.region,
                Err(crate::core::CoreError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            let value = json!({ "match_id": match_id, "region": region, "observers": observers });
            emit(json, &value, || {
                serde_json::to_string_pretty(&value).expect("json")
            });
        }
        MatchCommand::Stats {
            match_id,
            format,
            recompute,
        } => {
            let stats = if recompute {
                core.recompute_match_stats(
                    &grant::<Administer>("match stats recompute")?,
                    &match_id,
                )
                .await?
            } else {
                core.match_stats(&grant::<View>("match stats")?, &match_id)
                    .await?
            };
            match format {
                StatsFormat::Csv => print!("{}", stats_csv(&stats)),
                StatsFormat::Json => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&stats).expect("stats serialise")
                    )
                }
            }
        }
    }
    Ok(())
}

pub(super) async fn playercam(
    core: &Core,
    command: PlayercamCommand,
    json: bool,
) -> anyhow::Result<()> {
    match command {
        PlayercamCommand::Create { org_id } => {
            let issued = core
                .create_playercam_session(
                    &grant::<Administer>("playercam create")?,
                    &OrgId::from_string(org_id),
                )
                .await?;
            emit(json, &issued.to_json(), || {
                format!(
                    "session created: identifier {} secret (shown once) {}\nexpires: {}",
                    issued.session.identifier,
                    issued.secret.expose(),
                    issued.session.expires_at
                )
            });
        }
        PlayercamCommand::List { org } => {
            let org = org.map(OrgId::from_string);
            let org = org.as_ref();
            let view = grant::<View>("playercam list")?;
            let view = &view;
            let sessions = collect(None, |page| async move {
                core.list_playercam_sessions(view, org, &page).await
            })
            .await?;
            emit(json, &list("sessions", &sessions), || {
                sessions
                    .iter()
                    .map(|s| {
                        format!(
                            "{}  org={}  expires={}",
                            s.identifier, s.org_id, s.expires_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PlayercamCommand::Show { identifier } => {
            let (session, players) = core
                .playercam_players(&grant::<View>("playercam show")?, &identifier)
                .await?;
            emit(
                json,
                &json!({ "session": session, "players": players }),
                || {
                    players
                        .iter()
                        .map(|p| {
                            format!(
                                "{}  camera={}  shown as {}",
                                p.full_name,
                                p.camera_enabled,
                                or_dash(p.display_name.as_deref())
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                },
            );
        }
        PlayercamCommand::Enable {
            identifier,
            players,
        } => {
            let grant = grant::<Moderate>("playercam enable")?;
            set_cameras(core, &grant, &identifier, &players, true, json).await?
        }
        PlayercamCommand::Disable {
            identifier,
            players,
        } => {
            let grant = grant::<Moderate>("playercam disable")?;
            set_cameras(core, &grant, &identifier, &players, false, json).await?
        }
        PlayercamCommand::Override {
            identifier,
            player,
            display_name,
            clear,
        } => {
            let name = if clear { None } else { display_name };
            let p = core
                .change_playercam_player(
                    &grant::<Moderate>("playercam override")?,
                    &identifier,
                    &player,
                    None,
                    Some(name),
                )
                .await?;
            emit(json, &p, || {
                format!(
                    "{} shown as {}",
                    p.full_name,
                    or_dash(p.display_name.as_deref())
                )
            });
        }
    }
    Ok(())
}

/// Turns the cameras of `players` on or off, one audited change each.
async fn set_cameras(
    core: &Core,
    grant: &Grant<Moderate>,
    identifier: &str,
    players: &[String],
    on: bool,
    json: bool,
) -> anyhow::Result<()> {
    let mut changed = Vec::new();
    for player in players {
        changed.push(
            core.change_playercam_player(grant, identifier, player, Some(on), None)
                .await?,
        );
    }
    emit(json, &list("players", &changed), || {
        changed
            .iter()
            .map(|p| format!("{} camera={}", p.full_name, p.camera_enabled))
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
