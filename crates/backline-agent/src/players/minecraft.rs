//! Minecraft's `list`.
//!
//! Vanilla (1.13 and later) answers `There are 2 of a max of 20 players online: Alice, Bob`;
//! older vanilla and Bukkit print `There are 2/20 players online:` with the names on the next
//! line. Either way the names follow `players online:`, separated by commas. Names are the
//! account ids of the source `minecraft` (Backline also accepts UUIDs; `list uuids` with a
//! pattern gives those).

/// The player names in a `list` answer.
pub fn list_names(answer: &str) -> Vec<String> {
    let Some(at) = answer.find("players online:") else {
        return Vec::new();
    };
    answer[at + "players online:".len()..]
        .split([',', '\n'])
        .map(str::trim)
        .filter(|name| {
            (1..=16).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_players_online_in_every_version() {
        assert_eq!(
            list_names("There are 3 of a max of 20 players online: Notch, jeb_, Dinnerbone"),
            ["Notch", "jeb_", "Dinnerbone"]
        );
        assert_eq!(
            list_names("There are 2/20 players online:\nNotch, jeb_\n"),
            ["Notch", "jeb_"]
        );
        assert!(list_names("There are 0 of a max of 20 players online: ").is_empty());
        assert!(list_names("Unknown command").is_empty());
    }
}
