//! Match register/update/complete and the stats backend.
//!
//! A match snapshot is Spectra's whole `match` object (13–20 KB, fields Backline does not
//! read included), so it is passed as a `serde_json::Value`: typing it here would drop the
//! fields a newer Spectra adds. Backline strips `groupSecret` and
//! `tools.playercamsInfo.secret` before storing.

use super::SpectraClient;
use crate::error::Result;
use crate::retry::Repeat;
use crate::transport::segment;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

/// Where a match stands after a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchState {
    Registered,
    Live,
    Completed,
    /// Completed from a phase other than `game_end`.
    Abandoned,
    #[serde(other)]
    Other,
}

/// The answer of register, update and complete.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchCall {
    pub match_id: String,
    pub group_code: String,
    /// The state this call asked for; the stored state may be further along.
    pub received: MatchState,
}

/// The answer of `addMatch`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddedMatch {
    pub match_uuid: String,
    pub code: String,
    /// False when the group code was already linked to the match.
    pub newly_linked: bool,
}

/// One player's tiers from the player registry (`None` when unknown).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PlayerMmr {
    pub puuid: String,
    #[serde(rename = "currentMMRTier")]
    pub current_mmr_tier: Option<i64>,
    #[serde(rename = "peakMMRTier")]
    pub peak_mmr_tier: Option<i64>,
}

#[derive(Deserialize)]
struct RegionBody {
    region: Option<String>,
}

#[derive(Deserialize)]
struct MmrBody {
    results: Vec<PlayerMmr>,
}

#[derive(Deserialize)]
struct StatsBody {
    stats: Value,
}

impl SpectraClient {
    async fn snapshot(
        &self,
        method: Method,
        route: &'static str,
        verb: &str,
        match_id: &str,
        snapshot: &Value,
    ) -> Result<MatchCall> {
        let call = self
            .backend(
                method,
                route,
                format!("/spectra/system/match/{}/{verb}", segment(match_id)),
            )?
            .json(&json!({ "match": snapshot }))?
            .repeat(Repeat::Safe);
        self.transport.send(call).await?.json()
    }

    /// `POST …/match/{matchId}/register` with the match object (`groupCode` required).
    pub async fn register_match(&self, match_id: &str, snapshot: &Value) -> Result<MatchCall> {
        self.snapshot(
            Method::POST,
            "/spectra/system/match/{match_id}/register",
            "register",
            match_id,
            snapshot,
        )
        .await
    }

    /// `PUT …/match/{matchId}/update`: a round's snapshot (creates the match if needed).
    pub async fn update_match(&self, match_id: &str, snapshot: &Value) -> Result<MatchCall> {
        self.snapshot(
            Method::PUT,
            "/spectra/system/match/{match_id}/update",
            "update",
            match_id,
            snapshot,
        )
        .await
    }

    /// `PUT …/match/{matchId}/complete`: the final snapshot (`abandoned` unless its phase
    /// is `game_end`).
    pub async fn complete_match(&self, match_id: &str, snapshot: &Value) -> Result<MatchCall> {
        self.snapshot(
            Method::PUT,
            "/spectra/system/match/{match_id}/complete",
            "complete",
            match_id,
            snapshot,
        )
        .await
    }

    /// `POST /spectra/stats/addMatch`: links a group code to a match.
    pub async fn add_match(&self, group_code: &str, match_uuid: &str) -> Result<AddedMatch> {
        let call = self
            .stats("/spectra/stats/addMatch")?
            .json(&json!({"code": group_code, "matchUuid": match_uuid}))?;
        self.transport.send(call).await?.json()
    }

    /// `POST /spectra/stats/updateMatchRegion`: the match's region from the player's known
    /// region (`None` when unknown).
    pub async fn update_match_region(
        &self,
        match_uuid: &str,
        account_puuid: &str,
    ) -> Result<Option<String>> {
        let call = self
            .stats("/spectra/stats/updateMatchRegion")?
            .json(&json!({"matchUuid": match_uuid, "accountPuuid": account_puuid}))?;
        Ok(self
            .transport
            .send(call)
            .await?
            .json::<RegionBody>()?
            .region)
    }

    /// `POST /spectra/stats/fetchPlayerMMR`: one result per PUUID, in order.
    pub async fn fetch_player_mmr(
        &self,
        match_uuid: &str,
        puuids: &[&str],
    ) -> Result<Vec<PlayerMmr>> {
        let call = self
            .stats("/spectra/stats/fetchPlayerMMR")?
            .json(&json!({"matchUuid": match_uuid, "accountPuuids": puuids}))?;
        Ok(self.transport.send(call).await?.json::<MmrBody>()?.results)
    }

    /// `POST /spectra/stats/fetchMatchStats`: the match's statistics (computed and stored on
    /// the first call), as Backline's JSON.
    pub async fn fetch_match_stats(&self, match_uuid: &str) -> Result<Value> {
        let call = self
            .stats("/spectra/stats/fetchMatchStats")?
            .json(&json!({ "matchUuid": match_uuid }))?;
        Ok(self.transport.send(call).await?.json::<StatsBody>()?.stats)
    }
}
