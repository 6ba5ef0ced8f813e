//! Quake 3's `status` (ioquake3 and the engines built on it: OpenArena, Urban Terror, …).
//!
//! The answer is a table after a `map:` line. Current ioquake3 prints
//! `cl score ping name address rate`; older engines (Quake 3 1.32, ioquake3 before 2016)
//! `num score ping name lastmsg address qport rate`. Both are read: the first three columns
//! from the left, the columns after the name from the right (two or four, by the header),
//! and the name is what is between. The server ends every name with the colour code `^7`.
//!
//! **Players are identified by name**, colour codes (`^` and a letter or digit) removed, with
//! the source `quake3`: these servers have no account ids (Quake 3's cd keys and ioquake3's
//! `cl_guid` are neither unique nor shown by `status`). The cleaned name is also what
//! `kick NAME` matches. Names Backline would refuse (with spaces, quotes, `;`) are left out
//! by the reader. **Bots are players** here: they are clients in the table, with ping 0 and
//! the address `bot`, and `addbot`/`kick` treat them as such; a ping of 0 is no sign of a
//! bot (a player on the same host has it too), so nothing tells them apart reliably.

/// The cleaned names in a `status` answer.
pub fn status_names(answer: &str) -> Vec<String> {
    let mut right_columns = None;
    let mut names = Vec::new();
    for line in answer.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("cl ") || trimmed.starts_with("num ") {
            right_columns = Some(if trimmed.contains("lastmsg") { 4 } else { 2 });
            continue;
        }
        let Some(right) = right_columns else {
            continue;
        };
        if let Some(name) = player_name(line, right) {
            names.push(name);
        }
    }
    names
}

/// The name of one table row, when `line` is one.
fn player_name(line: &str, right_columns: usize) -> Option<String> {
    let mut rest = line.trim();
    // num/cl, score, ping (CNCT or ZMBI while connecting or leaving).
    for column in 0..3 {
        let (token, after) = rest.split_once(char::is_whitespace)?;
        let number = token.strip_prefix('-').unwrap_or(token);
        let numeric = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
        if !(numeric || (column == 2 && matches!(token, "CNCT" | "ZMBI"))) {
            return None;
        }
        rest = after.trim_start();
    }
    for _ in 0..right_columns {
        let (before, _) = rest.trim_end().rsplit_once(char::is_whitespace)?;
        rest = before;
    }
    let name = clean(rest.trim());
    (!name.is_empty()).then_some(name)
}

/// `name` without colour codes.
fn clean(name: &str) -> String {
    let mut cleaned = String::with_capacity(name.len());
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '^'
            && chars
                .peek()
                .is_some_and(|next| next.is_ascii_alphanumeric())
        {
            chars.next();
            continue;
        }
        cleaned.push(c);
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenArena 0.8.8 on Debian's ioquake3 (1.36+u20221123), two bots added with `addbot`.
    const OPENARENA_STATUS: &str = "map: oa_dm1\n\
cl score ping name            address                                 rate \n\
-- ----- ---- --------------- --------------------------------------- -----\n \
0     0    0 Sarge           ^7bot                                     16384\n \
1     0    0 Grism           ^7bot                                     16384\n\n";

    /// The older table (Quake 3 1.32 and ioquake3 before 2016), a player joining.
    const QUAKE3_STATUS: &str = "map: q3dm17\n\
num score ping name            lastmsg address               qport rate\n\
--- ----- ---- --------------- ------- --------------------- ----- -----\n  \
0    12   48 ^1Red^7Baron^7          0 203.0.113.9:27960     31337 25000\n  \
1     0 CNCT Newcomer^7            50 198.51.100.2:27960     4242  5000\n  \
2    -3    0 Sarge^7                0 bot                       0 16384\n\n";

    #[test]
    fn names_are_read_from_current_ioquake3() {
        assert_eq!(status_names(OPENARENA_STATUS), ["Sarge", "Grism"]);
    }

    #[test]
    fn names_are_read_from_the_older_table_with_colours_removed() {
        assert_eq!(
            status_names(QUAKE3_STATUS),
            ["RedBaron", "Newcomer", "Sarge"]
        );
    }

    #[test]
    fn an_empty_server_or_another_answer_has_no_players() {
        assert!(status_names("map: oa_dm1\ncl score ping name            address                                 rate \n-- ----- ---- --------------- --------------------------------------- -----\n\n").is_empty());
        assert!(status_names("Bad rconpassword.\n").is_empty());
    }
}
