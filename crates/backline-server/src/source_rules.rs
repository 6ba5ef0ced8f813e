//! Test support for the unit tests that hold the house's rules over its own sources (which
//! modules may name which, which extractors handlers may use): the Rust files under a folder
//! of this crate, read as text.

use std::path::Path;

/// Every `.rs` file under `folder` (relative to this crate's root), with its text.
pub(crate) fn rust_sources(folder: &str) -> Vec<(String, String)> {
    fn walk(dir: &Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("a source folder can be read") {
            let path = entry.expect("a source entry can be read").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file can be read");
                found.push((path.display().to_string(), text));
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(folder),
        &mut found,
    );
    assert!(found.len() > 10, "the sources under {folder} were found");
    found
}
