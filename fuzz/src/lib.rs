//! The invariants Backline's parsers of hostile input must keep, one module per fuzz target.
//!
//! Each module's `check(data)` feeds one raw input to the real parser (no copy of its code)
//! and panics when an invariant breaks: the parser itself panicked, an error came back that is
//! not the surface's own error, or decoding what was re-encoded does not give the same value.
//! The AFL++ targets in `src/bin/` are one-line wrappers over these functions, and
//! `tests/replay.rs` runs them over the seed corpora and the saved crashes in `cargo test`.
//!
//! Inputs that carry several parts (a content type, a query and a body) are split on the first
//! newlines, so seeds stay readable text; see each module for its layout.

pub mod ember_form;
pub mod evr_query;
pub mod evr_symbol;
pub mod nakama_rpc;
pub mod spectra_match;

/// Splits `data` at the first `n - 1` newlines into `n` parts (missing parts are empty).
pub fn parts<const N: usize>(data: &[u8]) -> [&[u8]; N] {
    let mut out = [&data[..0]; N];
    let mut rest = data;
    for slot in out.iter_mut().take(N - 1) {
        match rest.iter().position(|&b| b == b'\n') {
            Some(at) => {
                *slot = &rest[..at];
                rest = &rest[at + 1..];
            }
            None => {
                *slot = rest;
                rest = &rest[rest.len()..];
            }
        }
    }
    out[N - 1] = rest;
    out
}

/// The names of the targets, as in `src/bin/`, `corpus/` and `crashes/`.
pub const TARGETS: [&str; 5] = [
    "ember_form",
    "nakama_rpc",
    "evr_query",
    "evr_symbol",
    "spectra_match",
];

/// The check of the target called `name`.
pub fn check_of(name: &str) -> Option<fn(&[u8])> {
    Some(match name {
        "ember_form" => ember_form::check,
        "nakama_rpc" => nakama_rpc::check,
        "evr_query" => evr_query::check,
        "evr_symbol" => evr_symbol::check,
        "spectra_match" => spectra_match::check,
        _ => return None,
    })
}
