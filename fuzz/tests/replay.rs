//! Replays every target's seed corpus and saved crashes through its check, so the targets and
//! their invariants cannot rot between fuzzing runs, and every crash stays fixed.

use std::path::Path;

fn replay(target: &str) -> usize {
    let check = backline_fuzz::check_of(target).expect("a known target");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in ["corpus", "crashes"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a readable directory").path();
            if path.file_name().is_some_and(|n| n == "README.md") {
                continue;
            }
            let data = std::fs::read(&path).expect("a readable input");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} breaks an invariant", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn every_seed_and_saved_crash_of_every_target_keeps_its_invariants() {
    for target in backline_fuzz::TARGETS {
        let count = replay(target);
        assert!(count >= 3, "{target} has only {count} inputs to replay");
    }
}
