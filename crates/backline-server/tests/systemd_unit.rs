//! The systemd unit of docs/examples/backline.service is one systemd accepts: `systemd-analyze
//! verify` on it (with `ExecStart` pointing at the binary just built) reports nothing.
//! Skipped with a message where `systemd-analyze` is not installed.

use std::process::Command;

#[test]
fn the_example_unit_passes_systemd_analyze_verify() {
    let unit_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/backline.service"
    );
    let unit = std::fs::read_to_string(unit_path).unwrap();
    assert!(unit.contains("\nType=notify\n"), "a Type=notify unit");
    assert!(unit.contains("ExecStart=/usr/local/bin/backline serve"));
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipping: systemd-analyze is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backline.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/local/bin/backline", env!("CARGO_BIN_EXE_backline")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    // verify exits 0 on settings it ignores, with a warning: any output is a finding.
    assert!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );
}
