//! How many files the process may open, which bounds how many connections it can serve:
//! at start-up the soft limit on open files is raised to the hard one (systemd starts
//! services with a soft limit of 1,024 and a hard one of 524,288; a server that keeps to the
//! soft limit would fail its accepts long before `max_connections`), and `max_connections`
//! is lowered, with a warning that says what to change, when even the hard limit leaves too
//! few descriptors for it.

/// Descriptors kept for everything but client connections: the database pool, the metrics
/// listener and its clients, SQLite's files, logs, the TLS files being read.
pub const RESERVED: u64 = 256;

/// `max_connections` as the process can serve it: the configured number, or fewer when the
/// limit on open files (raised to its hard limit first) leaves less room.
pub fn fit(max_connections: usize) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(%error, "cannot read or raise the limit on open files");
            return max_connections;
        }
    };
    let room = fitting(max_connections, limit);
    if room < max_connections {
        tracing::warn!(
            max_connections,
            open_files_limit = limit,
            serving = room,
            "the limit on open files leaves room for fewer connections than max_connections; \
             raise it (systemd: LimitNOFILE=, a shell: ulimit -n) or lower max_connections"
        );
    }
    room
}

/// The connections `limit` open files leave room for, at most `max_connections` and at
/// least 1.
fn fitting(max_connections: usize, limit: u64) -> usize {
    let room = limit.saturating_sub(RESERVED).max(1);
    max_connections.min(usize::try_from(room).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_fit_within_the_open_files_limit_less_the_reserve() {
        assert_eq!(fitting(4096, 524_288), 4096);
        assert_eq!(fitting(4096, 1024), 1024 - RESERVED as usize);
        assert_eq!(fitting(4096, 100), 1);
        assert_eq!(fitting(10, u64::MAX), 10);
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        fit(1);
        let (soft, hard) = rlimit::Resource::NOFILE.get().unwrap();
        assert_eq!(soft, hard);
    }
}
