//! Steam ids in Source engine consoles, made Steam64.
//!
//! `status` prints one line per client; the id column is `STEAM_X:Y:Z` on older engines
//! (CS:GO, Garry's Mod), `[U:1:N]` on newer ones (TF2, CS:S), and `BOT` for bots, which are
//! no Steam accounts and are left out. Conversion: `STEAM_X:Y:Z` is
//! `76561197960265728 + 2Z + Y` (X, the universe, is 0 or 1 for the public one and is
//! ignored, as Valve's own tools do); `[U:1:N]` is `76561197960265728 + N`.
//!
//! Upstream: CS2's `status` prints no Steam ids (its player lines are `id time ping loss
//! state rate adr name`); a plain Steam64 id anywhere on a line is recognised too, so a
//! command that prints them (`status_json`, a plugin's list) works by setting the player
//! command alone. This has not been checked against a live CS2 server.

/// The Steam64 id of account 0 in the public universe.
const BASE: u64 = 76_561_197_960_265_728;

/// The Steam64 id `text` names, in any of the three forms, or `None`.
pub fn to_steam64(text: &str) -> Option<u64> {
    if let Some(rest) = text.strip_prefix("STEAM_") {
        let mut parts = rest.split(':');
        let universe: u8 = parts.next()?.parse().ok()?;
        let y: u64 = parts.next()?.parse().ok()?;
        let z: u64 = digits(parts.next()?)?;
        if parts.next().is_some() || universe > 5 || y > 1 || z > u64::from(u32::MAX) {
            return None;
        }
        return Some(BASE + z * 2 + y);
    }
    if let Some(rest) = text.strip_prefix("[U:1:").and_then(|r| r.strip_suffix(']')) {
        let n = digits(rest)?;
        return (n <= u64::from(u32::MAX)).then_some(BASE + n);
    }
    // Individual accounts of the public universe start 7656119; game servers' own ids
    // (855…, printed by `status`) do not.
    let id = digits(text)?;
    (text.len() == 17 && text.starts_with("7656119") && id > BASE).then_some(id)
}

/// `text` as a number when it is only ASCII digits (at most 20).
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The Steam ids on the lines of a `status` answer, in order (one per line at most).
pub fn status_ids(answer: &str) -> Vec<String> {
    answer
        .lines()
        .filter_map(|line| {
            line.split(|c: char| c.is_whitespace() || c == '"' || c == ',')
                .find_map(to_steam64)
        })
        .map(|id| id.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CS:GO `status` (Steam2 ids, bots), as servers printed it in 2021.
    const CSGO_STATUS: &str = "\
hostname: Valve CS:GO EU West Server (srcds112-fra2.271.194)
version : 1.38.2.2 secure
os      :  Linux
type    :  official dedicated
map     : de_dust2
players : 3 humans, 2 bots (16/0 max) (not hibernating)

# userid name uniqueid connected ping loss state rate
# 93 2 \"BonBonn\" STEAM_0:1:82178006 00:21 931 83 spawning 196608
# 91 3 \"ERZ\" STEAM_0:0:117807350 06:21 49 0 active 128000
# 756 13 \"\\\\\\\" STEAM_1:0:193668563 41:34 142 0 active 786432
#103 \"Jeff\" BOT active 64
#104 \"Dave\" BOT active 64
#end
";

    /// A TF2 `status` (Steam3 ids).
    const TF2_STATUS: &str = "\
hostname: Team Fortress
version : 8622567/24 8622567 secure
udp/ip  : 0.0.0.0:27015
steamid : [G:1:1234567] (85568392921274567)
account : not logged in  (No account specified)
map     : ctf_2fort at: 0 x, 0 y, 0 z
tags    : cp
players : 2 humans, 1 bots (24 max)
edicts  : 528 used of 2048 max
# userid name                uniqueid            connected ping loss state  adr
#      2 \"Scout Main\"        [U:1:123456789]     12:04       45    0 active 10.0.0.2:27005
#      3 \"pyro\"              [U:1:42]            00:35       80    0 active 10.0.0.3:27005
#      4 \"Bot01\"             BOT                                       active
";

    #[test]
    fn steam2_ids_are_made_steam64_and_bots_left_out() {
        assert_eq!(
            status_ids(CSGO_STATUS),
            [
                (BASE + 82_178_006 * 2 + 1).to_string(),
                (BASE + 117_807_350 * 2).to_string(),
                (BASE + 193_668_563 * 2).to_string(),
            ]
        );
    }

    #[test]
    fn steam3_ids_are_made_steam64_and_the_servers_own_id_is_not_a_player() {
        assert_eq!(
            status_ids(TF2_STATUS),
            [(BASE + 123_456_789).to_string(), (BASE + 42).to_string()]
        );
    }

    #[test]
    fn conversions_match_known_accounts() {
        // Valve's documented example: STEAM_0:0:11101 is [U:1:22202] is 76561197960287930.
        assert_eq!(to_steam64("STEAM_0:0:11101"), Some(76_561_197_960_287_930));
        assert_eq!(to_steam64("STEAM_1:0:11101"), Some(76_561_197_960_287_930));
        assert_eq!(to_steam64("[U:1:22202]"), Some(76_561_197_960_287_930));
        assert_eq!(
            to_steam64("76561197960287930"),
            Some(76_561_197_960_287_930)
        );
        for not_an_id in [
            "BOT",
            "STEAM_0:2:1",
            "STEAM_0:0:",
            "[U:1:x]",
            "[A:1:5]",
            "12345",
            "7656119796028793a",
        ] {
            assert_eq!(to_steam64(not_an_id), None, "{not_an_id}");
        }
    }
}
