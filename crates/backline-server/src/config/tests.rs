//! The configuration's layering, defaults and checks.

use super::*;
use std::io::Write;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_listen_on_the_nakama_port_with_sqlite_in_the_working_folder() {
    let config = Config::load(None, env(&[]), &Overrides::default()).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:7350");
    assert_eq!(config.database_url, "sqlite://backline.db");
    assert_eq!(config.body_limit_bytes, 1024 * 1024);
}

#[test]
fn file_then_environment_then_flags_win_in_that_order() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "listen = \"127.0.0.1:9000\"\nbody_limit_bytes = 4096\n[spectra]\nplaycam_typo_is_not_here = 1").unwrap();
    // Unknown keys are refused with their name.
    let err = Config::load(Some(file.path()), env(&[]), &Overrides::default()).unwrap_err();
    assert!(
        err.to_string().contains("playcam_typo_is_not_here"),
        "{err}"
    );

    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "listen = \"127.0.0.1:9000\"\nbody_limit_bytes = 4096\n[spectra]\nplayercam_session_ttl_seconds = 600").unwrap();
    let vars = env(&[
        ("BACKLINE_BODY_LIMIT_BYTES", "8192"),
        ("BACKLINE_SPECTRA__PLAYERCAM_SESSION_TTL_SECONDS", "900"),
        ("OTHER_VARIABLE", "ignored"),
    ]);
    let overrides = Overrides {
        listen: None,
        database_url: Some("postgres://u:pw@127.0.0.1/db".into()),
    };
    let config = Config::load(Some(file.path()), vars, &overrides).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:9000");
    assert_eq!(config.body_limit_bytes, 8192);
    assert_eq!(config.spectra.playercam_session_ttl_seconds, 900);
    assert_eq!(config.database_url, "postgres://u:pw@127.0.0.1/db");
}

#[test]
fn invalid_values_name_the_setting_and_what_to_change() {
    let cases = [
        ("BACKLINE_DATABASE_URL", "mysql://x", "database_url"),
        ("BACKLINE_BODY_LIMIT_BYTES", "10", "body_limit_bytes"),
        (
            "BACKLINE_DATABASE_MAX_CONNECTIONS",
            "0",
            "database_max_connections",
        ),
        ("BACKLINE_ADMIN_TOKEN", "short", "admin_token"),
        ("BACKLINE_LISTEN", "not-an-address", "listen"),
        ("BACKLINE_MAX_CONNECTIONS", "0", "max_connections"),
        (
            "BACKLINE_MAX_CONNECTIONS_PER_ADDRESS",
            "0",
            "max_connections_per_address",
        ),
        ("BACKLINE_TLS__CERT", "/etc/backline/cert.pem", "tls"),
        (
            "BACKLINE_TLS__RELOAD_INTERVAL_MILLIS",
            "1",
            "tls.reload_interval_millis",
        ),
        (
            "BACKLINE_HEADER_READ_TIMEOUT_SECONDS",
            "0",
            "header_read_timeout_seconds",
        ),
        (
            "BACKLINE_BODY_READ_TIMEOUT_SECONDS",
            "0",
            "body_read_timeout_seconds",
        ),
        (
            "BACKLINE_GUESS_LIMIT__MAX_FAILURES",
            "0",
            "guess_limit.max_failures",
        ),
        (
            "BACKLINE_GUESS_LIMIT__ACCESS_KEY_MAX_FAILURES",
            "0",
            "guess_limit.access_key_max_failures",
        ),
        (
            "BACKLINE_GUESS_LIMIT__WINDOW_SECONDS",
            "0",
            "guess_limit.window_seconds",
        ),
    ];
    for (name, value, field) in cases {
        let err = Config::load(None, env(&[(name, value)]), &Overrides::default()).unwrap_err();
        assert!(err.to_string().contains(field), "{name}: {err}");
    }
    let missing = Config::load(
        Some(Path::new("/no/such/file.toml")),
        env(&[]),
        &Overrides::default(),
    );
    assert!(matches!(missing, Err(ConfigError::MissingFile(_))));
}

#[test]
fn games_can_be_added_in_the_configuration_and_need_a_kick_command() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "[ember.games.tf2]\nname = \"Team Fortress 2\"\nsource = \"steam\"\ncommands = {{ kick = \"kickid {{steamid2}} {{reason}}\" }}").unwrap();
    let config = Config::load(Some(file.path()), env(&[]), &Overrides::default()).unwrap();
    assert_eq!(
        config.ember.games["tf2"].commands["kick"],
        "kickid {steamid2} {reason}"
    );
    let mut bad = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        bad,
        "[ember.games.tf2]\nname = \"TF2\"\nsource = \"steam\"\ncommands = {{ say = \"say x\" }}"
    )
    .unwrap();
    let err = Config::load(Some(bad.path()), env(&[]), &Overrides::default()).unwrap_err();
    assert!(err.to_string().contains("kick"), "{err}");
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let vars = env(&[
        ("BACKLINE_ADMIN_TOKEN", "super-secret-admin-token"),
        (
            "BACKLINE_DATABASE_URL",
            "postgres://user:hunter2@127.0.0.1/db",
        ),
    ]);
    let config = Config::load(None, vars, &Overrides::default()).unwrap();
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("super-secret-admin-token") && !shown.contains("hunter2"),
        "{shown}"
    );
    assert!(shown.contains("<redacted>"));
}

#[test]
fn scheduled_backups_are_off_by_default_and_checked_when_set() {
    let config = Config::load(None, env(&[]), &Overrides::default()).unwrap();
    assert!(config.backup.schedule().unwrap().is_none());

    let config = Config::load(
        None,
        env(&[
            ("BACKLINE_BACKUP__EVERY", "6h"),
            ("BACKLINE_BACKUP__KEEP", "3"),
            ("BACKLINE_BACKUP__DIR", "/var/backups/backline"),
        ]),
        &Overrides::default(),
    )
    .unwrap();
    let schedule = config.backup.schedule().unwrap().unwrap();
    assert_eq!(schedule.every, std::time::Duration::from_secs(6 * 3600));
    assert_eq!(schedule.keep, 3);
    assert_eq!(
        schedule.dir,
        std::path::PathBuf::from("/var/backups/backline")
    );

    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "[backup]\nevery = 3600\ndir = \"b\"").unwrap();
    let config = Config::load(Some(file.path()), env(&[]), &Overrides::default()).unwrap();
    let schedule = config.backup.schedule().unwrap().unwrap();
    assert_eq!(schedule.every, std::time::Duration::from_secs(3600));
    assert_eq!(schedule.keep, backup::DEFAULT_KEEP);

    for (pairs, field, words) in [
        (
            vec![("BACKLINE_BACKUP__EVERY", "6h")],
            "backup.dir",
            "needed",
        ),
        (
            vec![("BACKLINE_BACKUP__DIR", "/b")],
            "backup.every",
            "needed",
        ),
        (
            vec![
                ("BACKLINE_BACKUP__EVERY", "10s"),
                ("BACKLINE_BACKUP__DIR", "/b"),
            ],
            "backup.every",
            "at least 60 s",
        ),
        (
            vec![
                ("BACKLINE_BACKUP__EVERY", "6 hours"),
                ("BACKLINE_BACKUP__DIR", "/b"),
            ],
            "backup.every",
            "not a unit",
        ),
        (
            vec![
                ("BACKLINE_BACKUP__EVERY", "1h"),
                ("BACKLINE_BACKUP__DIR", "/b"),
                ("BACKLINE_BACKUP__KEEP", "0"),
            ],
            "backup.keep",
            "at least 1",
        ),
    ] {
        let err = Config::load(None, env(&pairs), &Overrides::default()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(field) && text.contains(words),
            "{pairs:?}: {text}"
        );
    }
}

#[test]
fn retention_is_read_from_the_file_and_the_environment_and_checked() {
    use backline_store::PruneKind;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "[retention]\naudit = \"30d\"\nbatch = 1000").unwrap();
    let vars = env(&[
        ("BACKLINE_RETENTION__EXECUTIONS", "forever"),
        ("BACKLINE_RETENTION__EVR_MATCHES", "0"),
        ("BACKLINE_RETENTION__LINK_TOKENS", "3600"),
    ]);
    let config = Config::load(Some(file.path()), vars, &Overrides::default()).unwrap();
    let settings = config.retention.settings().unwrap();
    let keep = |kind| settings.keep.iter().find(|(k, _)| *k == kind).unwrap().1;
    assert_eq!(keep(PruneKind::Audit), Some(30 * 86_400));
    assert_eq!(keep(PruneKind::Executions), None);
    assert_eq!(keep(PruneKind::EvrMatches), None);
    assert_eq!(keep(PruneKind::LinkTokens), Some(3600));
    assert_eq!(settings.batch, 1000);
    let err = Config::load(
        None,
        env(&[("BACKLINE_RETENTION__AUDIT", "a year")]),
        &Overrides::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("retention.audit"), "{err}");
    assert!(err.to_string().contains("forever"), "{err}");
}
