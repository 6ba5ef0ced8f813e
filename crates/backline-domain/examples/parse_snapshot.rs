//! Parses Spectra's recorded update body `N` times (default 1): a fixed workload for counting
//! what one parse costs, e.g.
//! `valgrind --tool=dhat target/debug/examples/parse_snapshot 10` (allocations) or
//! `valgrind --tool=callgrind …` (instructions); subtract a run with `1` from one with `11`.

use backline_domain::spectra::snapshot::MatchSnapshot;

fn main() {
    let times: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("a number of parses"))
        .unwrap_or(1);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../backline-server/tests/data/spectra/update_body.json"
    );
    let body = std::fs::read(path).expect("the recorded update body");
    let mut stored = 0;
    for _ in 0..times {
        let snapshot = MatchSnapshot::parse("0b8e6a1c-1111-4222-8333-944445555666", &body)
            .expect("the recorded body parses");
        stored += snapshot.document.len();
    }
    println!("{times} parses, {stored} bytes of documents");
}
