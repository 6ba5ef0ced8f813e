//! Reading a password for `user create` and `user password` so that it need not land in shell
//! history or process lists: `--password-stdin` reads one line from standard input, and with
//! neither that nor the password as an argument an interactive terminal is prompted (twice,
//! without echo). The argument form keeps working for scripts that already use it.

use std::io::{BufRead, IsTerminal};

/// Whether the command can do without a password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// `user create`: a user may have no password (empty answer at the prompt).
    Optional,
    /// `user password`: there must be one.
    Required,
}

/// The password from the argument, standard input or a prompt (see the module
/// documentation); `None` when none was given and none is needed.
pub fn read(
    argument: Option<String>,
    from_stdin: bool,
    need: Need,
) -> anyhow::Result<Option<String>> {
    let password = if let Some(password) = argument {
        Some(password)
    } else if from_stdin {
        Some(first_line(std::io::stdin().lock())?)
    } else if std::io::stdin().is_terminal() {
        prompt(need)?
    } else {
        None
    };
    anyhow::ensure!(
        password.is_some() || need == Need::Optional,
        "no password given: pass it with --password-stdin (one line on standard input) or \
         run the command in a terminal to be asked for it"
    );
    Ok(password)
}

/// [`read`] for a command that needs a password.
pub fn required(argument: Option<String>, from_stdin: bool) -> anyhow::Result<String> {
    read(argument, from_stdin, Need::Required)?.ok_or_else(|| anyhow::anyhow!("no password given"))
}

/// The first line of `input` without its line ending; empty input is an error.
fn first_line(mut input: impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    let password = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line);
    anyhow::ensure!(
        !password.is_empty(),
        "--password-stdin: standard input held no password"
    );
    Ok(password.to_owned())
}

fn prompt(need: Need) -> anyhow::Result<Option<String>> {
    let question = match need {
        Need::Optional => "Password (empty for none): ",
        Need::Required => "Password: ",
    };
    let first = rpassword::prompt_password(question)?;
    if first.is_empty() {
        return match need {
            Need::Optional => Ok(None),
            Need::Required => anyhow::bail!("the password is empty"),
        };
    }
    let again = rpassword::prompt_password("Repeat the password: ")?;
    anyhow::ensure!(
        first == again,
        "the two passwords differ; nothing was changed"
    );
    Ok(Some(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_is_the_password_without_its_line_ending() {
        assert_eq!(first_line(&b"s3cret pass\n"[..]).unwrap(), "s3cret pass");
        assert_eq!(
            first_line(&b"s3cret\r\nsecond line\n"[..]).unwrap(),
            "s3cret"
        );
        assert_eq!(first_line(&b"no newline"[..]).unwrap(), "no newline");
        assert!(first_line(&b"\n"[..]).is_err());
        assert!(first_line(&b""[..]).is_err());
    }

    #[test]
    fn an_argument_wins_and_a_required_password_cannot_be_missing() {
        assert_eq!(required(Some("pw".into()), false).unwrap(), "pw");
        // `cargo test` runs without a terminal on standard input.
        if !std::io::stdin().is_terminal() {
            assert_eq!(read(None, false, Need::Optional).unwrap(), None);
            assert!(required(None, false).is_err());
        }
    }
}
