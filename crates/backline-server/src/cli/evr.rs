//! `backline broadcaster …` and `backline evr match …`: EVR broadcasters and matches, over the
//! same use cases as the admin API (`/admin/v1/broadcasters`, `/admin/v1/evr/matches`).

use super::output::{emit, grant, or_dash};
use crate::core::access::{Administer, Moderate, View};
use crate::core::evr::admin::{
    parse_broadcaster_id, parse_broadcaster_state, parse_match_id, parse_match_state,
    BroadcasterQuery, EvrMatchQuery,
};
use crate::core::page::{Page, PageRequest};
use crate::core::Core;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum BroadcasterCommand {
    /// List broadcasters, oldest registration first; `--cursor` takes a page's `next_cursor`.
    List {
        /// The user who registered it (id or username).
        #[arg(long)]
        operator: Option<String>,
        /// A region name or 0x… symbol.
        #[arg(long)]
        region: Option<String>,
        /// A feature it must offer (repeatable: all of them).
        #[arg(long = "feature")]
        features: Vec<String>,
        #[arg(long)]
        version_lock: Option<u64>,
        #[arg(long, value_name = "GROUP_ID")]
        group: Option<String>,
        /// idle, in_match or stale.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show a broadcaster with its owner, idle match and current match.
    Show { sid: String },
    /// Remove a broadcaster as its unregister does: the idle match goes, unstarted prepared
    /// matches end, a started match plays on until it empties.
    Remove { sid: String },
}

#[derive(Subcommand, Debug)]
pub enum EvrCommand {
    /// EVR matches (lobbies on broadcasters).
    #[command(subcommand)]
    Match(EvrMatchCommand),
}

#[derive(Subcommand, Debug)]
pub enum EvrMatchCommand {
    /// List matches, newest first; `--cursor` takes a page's `next_cursor`.
    List {
        /// A mode name or symbol (echo_arena, …).
        #[arg(long)]
        mode: Option<String>,
        /// idle, prepared, started or ended (default: every match that has not ended).
        #[arg(long)]
        state: Option<String>,
        #[arg(long, value_name = "BOOL")]
        open: Option<bool>,
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_name = "SID")]
        broadcaster: Option<String>,
        /// A player's user id, username or EVR id.
        #[arg(long)]
        player: Option<String>,
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show a match with its label and players.
    Show { match_id: String },
    /// End a match now: its players are removed and its broadcaster gets a new idle match.
    End { match_id: String },
}

fn more<T>(lines: &mut Vec<String>, page: &Page<T>) {
    if let Some(cursor) = &page.next_cursor {
        lines.push(format!("more: --cursor {cursor}"));
    }
}

pub async fn broadcaster(
    core: &Core,
    command: BroadcasterCommand,
    json: bool,
) -> anyhow::Result<()> {
    match command {
        BroadcasterCommand::List {
            operator,
            region,
            features,
            version_lock,
            group,
            state,
            limit,
            cursor,
        } => {
            let page = PageRequest::new(limit, cursor)?;
            let query = BroadcasterQuery {
                operator,
                region,
                features,
                version_lock,
                group_id: group,
                state: state.as_deref().map(parse_broadcaster_state).transpose()?,
            };
            let page = core
                .broadcaster_page(&grant::<View>("broadcaster list")?, &query, &page)
                .await?;
            emit(json, &page, || {
                let mut lines: Vec<String> = page
                    .items
                    .iter()
                    .map(|b| {
                        format!(
                            "{}  {}  {}  regions={}  features={}  match={}  last heartbeat={}",
                            b.id,
                            b.state.as_str(),
                            b.endpoint,
                            b.regions.join(","),
                            b.features.join(","),
                            or_dash(b.current_match.as_ref().map(|m| m.id.clone())),
                            b.last_heartbeat_at
                        )
                    })
                    .collect();
                more(&mut lines, &page);
                lines.join("\n")
            });
        }
        BroadcasterCommand::Show { sid } => {
            let detail = core
                .show_broadcaster(
                    &grant::<View>("broadcaster show")?,
                    &parse_broadcaster_id(&sid)?,
                )
                .await?;
            emit(json, &detail, || {
                serde_json::to_string_pretty(&detail).expect("json")
            });
        }
        BroadcasterCommand::Remove { sid } => {
            let removed = core
                .remove_broadcaster(
                    &grant::<Administer>("broadcaster remove")?,
                    &parse_broadcaster_id(&sid)?,
                )
                .await?;
            emit(json, &removed, || {
                format!("broadcaster {} ({}) removed", removed.id, removed.endpoint)
            });
        }
    }
    Ok(())
}

pub async fn evr(core: &Core, command: EvrCommand, json: bool) -> anyhow::Result<()> {
    let EvrCommand::Match(command) = command;
    match command {
        EvrMatchCommand::List {
            mode,
            state,
            open,
            region,
            broadcaster,
            player,
            limit,
            cursor,
        } => {
            let page = PageRequest::new(limit, cursor)?;
            let query = EvrMatchQuery {
                mode,
                state: state.as_deref().map(parse_match_state).transpose()?,
                open,
                region,
                broadcaster: broadcaster
                    .as_deref()
                    .map(parse_broadcaster_id)
                    .transpose()?,
                player,
            };
            let page = core
                .evr_match_page(&grant::<View>("evr match list")?, &query, &page)
                .await?;
            emit(json, &page, || {
                let mut lines: Vec<String> = page
                    .items
                    .iter()
                    .map(|m| {
                        format!(
                            "{}  {}  mode={}  players={}/{}  broadcaster={}",
                            m.id,
                            m.state.as_str(),
                            or_dash(m.mode.as_deref()),
                            m.player_count,
                            m.player_limit,
                            m.broadcaster_id
                        )
                    })
                    .collect();
                more(&mut lines, &page);
                lines.join("\n")
            });
        }
        EvrMatchCommand::Show { match_id } => {
            let detail = core
                .show_evr_match(
                    &grant::<View>("evr match show")?,
                    &parse_match_id(&match_id)?,
                )
                .await?;
            emit(json, &detail, || {
                serde_json::to_string_pretty(&detail).expect("json")
            });
        }
        EvrMatchCommand::End { match_id } => {
            let ended = core
                .end_evr_match(
                    &grant::<Moderate>("evr match end")?,
                    &parse_match_id(&match_id)?,
                )
                .await?;
            emit(json, &ended, || {
                format!(
                    "match {} ended; {} player(s) removed; broadcaster's idle match: {}",
                    ended.summary.id,
                    ended.removed_players.len(),
                    or_dash(ended.idle_match_id.as_deref())
                )
            });
        }
    }
    Ok(())
}
