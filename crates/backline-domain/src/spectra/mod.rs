//! Spectra: match snapshots and their lifecycle, the Riot player registry, match statistics,
//! player-cam sessions.

pub mod lifecycle;
pub mod player;
pub mod playercam;
pub mod record;
pub mod snapshot;
pub mod stats;
