//! No test lets time pass by sleeping: a story that needs a session, key, lease, ban or
//! limiter window to age advances the server's clock ([`crate::helpers::TestApp::advance`]).
//!
//! This walks every test source of the workspace (`crates/*/tests/**/*.rs`) and refuses a
//! `sleep` of 100 ms or more. Short sleeps between checks of a condition (polling with a
//! deadline) are fine. A sleep whose length is not a literal, or a long one, must be listed
//! in [`ALLOWED`] with the reason it needs real time.

use std::path::{Path, PathBuf};

/// The longest sleep a test may take without a reason.
const LIMIT_MILLIS: u128 = 100;

/// Sleeps that need real time: (file under `crates/`, the sleep's argument, why).
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "backline-server/tests/cluster/evr_timers.rs",
        "Duration::from_millis(300)",
        "paces the heartbeats of live broadcasters against the 3 s timeout of node processes \
         the test's clock cannot reach",
    ),
    (
        "backline-server/tests/cluster/evr_timers.rs",
        "Duration::from_millis(1000)",
        "lets the timers of separate node processes (every 50 ms) run many more passes, to \
         show they do nothing more; their clock is their own",
    ),
    (
        "backline-server/tests/cluster/evr_timers.rs",
        "Duration::from_millis(500)",
        "lets the timers of separate node processes run more passes after the broadcasters \
         are gone, to show nothing else is removed",
    ),
    (
        "backline-server/tests/cluster/crash/mod.rs",
        "moment",
        "kills a node process at a chosen moment of a running load (milliseconds into it): \
         real time in another process",
    ),
    (
        "backline-store/tests/conformance/match_groups.rs",
        "Duration::from_millis(200)",
        "lets a spawned write reach a database lock held by another connection (the store \
         shows no sign that a write is blocked); no clock is involved",
    ),
    (
        "backline-store/tests/conformance/match_groups.rs",
        "Duration::from_millis(300)",
        "lets spawned writes queue behind that database lock; no clock is involved",
    ),
];

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The argument of each `sleep(…)` call in `text`, with its line number.
fn sleeps(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("sleep(") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric()) {
            continue;
        }
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[line_start..at];
        if line.trim_start().starts_with("//") || line.matches('"').count() % 2 == 1 {
            continue;
        }
        let rest = &text[at + "sleep(".len()..];
        let mut depth = 1;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let argument: String = rest[..end].split_whitespace().collect();
        let argument = argument.trim_end_matches(',').to_owned();
        let line_number = text[..at].matches('\n').count() + 1;
        found.push((line_number, argument));
    }
    found
}

/// The length of a literal `Duration`, when `argument` is one.
fn literal_millis(argument: &str) -> Option<u128> {
    let argument = argument.trim_start_matches("std::time::");
    let number = |prefix: &str| -> Option<u128> {
        argument
            .strip_prefix(prefix)?
            .strip_suffix(')')?
            .replace('_', "")
            .parse()
            .ok()
    };
    number("Duration::from_millis(")
        .or_else(|| number("Duration::from_secs(").map(|s| s * 1000))
        .or_else(|| number("Duration::from_micros(").map(|us| us / 1000))
        .or_else(|| number("Duration::from_nanos(").map(|ns| ns / 1_000_000))
}

#[test]
fn no_test_sleeps_to_let_time_pass() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap().flatten() {
        sources(&krate.path().join("tests"), &mut files);
    }
    assert!(files.len() > 50, "the test sources were found: {files:?}");
    let mut refused = Vec::new();
    let mut used = vec![false; ALLOWED.len()];
    for file in &files {
        let name = file
            .strip_prefix(&crates)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if name.ends_with("tests/api/no_waiting.rs") {
            // This file's own examples.
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (line, argument) in sleeps(&text) {
            if let Some(i) = ALLOWED
                .iter()
                .position(|(f, a, _)| *f == name && *a == argument)
            {
                used[i] = true;
                continue;
            }
            match literal_millis(&argument) {
                Some(millis) if millis < LIMIT_MILLIS => {}
                _ => refused.push(format!("{name}:{line}: sleep({argument})")),
            }
        }
    }
    assert!(
        refused.is_empty(),
        "sleeps of {LIMIT_MILLIS} ms or more (or of no literal length) in tests: advance \
         the clock instead, poll with shorter sleeps, or allow them here with a reason:\n{}",
        refused.join("\n")
    );
    let stale: Vec<_> = ALLOWED
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|((file, argument, _), _)| format!("{file}: sleep({argument})"))
        .collect();
    assert!(
        stale.is_empty(),
        "allowed sleeps that no longer exist: {stale:?}"
    );
}

#[test]
fn sleeps_are_found_with_their_length() {
    let text = "fn a() {\n    tokio::time::sleep(\n        Duration::from_secs(2),\n    )\n    // sleep(Duration::from_secs(9))\n    let s = \"sleep(x)\";\n    std::thread::sleep(d(1));\n}\n";
    let found = sleeps(text);
    assert_eq!(
        found,
        [
            (2, "Duration::from_secs(2)".to_owned()),
            (7, "d(1)".to_owned())
        ]
    );
    assert_eq!(literal_millis("Duration::from_secs(2)"), Some(2000));
    assert_eq!(
        literal_millis("std::time::Duration::from_millis(1_100)"),
        Some(1100)
    );
    assert_eq!(literal_millis("moment"), None);
}
