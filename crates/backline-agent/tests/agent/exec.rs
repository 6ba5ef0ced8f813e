//! The `exec` console: a real program started from the template, the command reaching it as
//! one argument, with no shell on the way.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use backline_agent::console::exec::ExecTemplate;
use backline_agent::console::Console;
use backline_agent::AgentError;

use crate::support::quick_settings;

/// Writes an executable script into `dir`.
fn script(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn the_command_is_one_argument_and_no_shell_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let recorder = script(
        dir.path(),
        "record",
        &format!(
            "printf '%s\\n' \"$#\" > '{0}'; printf '%s|' \"$@\" >> '{0}'",
            out.display()
        ),
    );
    let template = ExecTemplate::parse(&format!("{recorder} -t srv {{command}} Enter")).unwrap();
    let mut console = Console::new(template, quick_settings());
    let pwned = dir.path().join("pwned");
    let command = format!(
        "kick 7656 \"a b\"; touch {} $(touch {})",
        pwned.display(),
        pwned.display()
    );
    assert_eq!(console.run(&command).await.unwrap(), "");
    let recorded = std::fs::read_to_string(&out).unwrap();
    assert_eq!(recorded, format!("4\n-t|srv|{command}|Enter|"));
    assert!(!pwned.exists(), "nothing ran the command as shell code");
}

#[tokio::test]
async fn a_failing_program_is_a_local_command_error_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let failing = script(
        dir.path(),
        "fail",
        "echo \"can't find session: srv\" >&2; exit 1",
    );
    let template = ExecTemplate::parse(&format!("{failing} {{command}}")).unwrap();
    let mut console = Console::new(template, quick_settings());
    let error = console.run("say hi").await.unwrap_err();
    match error {
        AgentError::LocalCommand(message) => {
            assert!(message.contains("can't find session: srv"), "{message}")
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn a_missing_program_is_a_configuration_error() {
    let template = ExecTemplate::parse("/nonexistent/backline-test-program {command}").unwrap();
    assert!(matches!(
        template.program_found(),
        Err(AgentError::Configuration(_))
    ));
    let mut console = Console::new(template, quick_settings());
    assert!(matches!(
        console.run("say hi").await,
        Err(AgentError::Configuration(_))
    ));
}
