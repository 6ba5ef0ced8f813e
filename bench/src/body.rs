//! The Spectra `match` body, built from a captured template with the fields a match flow
//! changes rewritten per request.
//!
//! The template is `crates/backline-server/tests/data/spectra/update_body.json` (a real
//! update captured from Spectra Server). Its bytes are kept as they are, so the body sent is
//! the captured one (about 20 KB as stored, about 13 KB with `--compact-body`); only the
//! values of the rewritten fields change.

use anyhow::{bail, Context};
use bytes::Bytes;
use std::path::Path;

/// The fields rewritten per request, each found once at the top of `match`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    MatchId,
    GroupCode,
    RoundNumber,
    RoundPhase,
    IsRunning,
    IsRegistered,
    OrganizationId,
}

impl Field {
    const ALL: [Field; 7] = [
        Field::MatchId,
        Field::GroupCode,
        Field::RoundNumber,
        Field::RoundPhase,
        Field::IsRunning,
        Field::IsRegistered,
        Field::OrganizationId,
    ];

    fn key(self) -> &'static str {
        match self {
            Field::MatchId => "matchId",
            Field::GroupCode => "groupCode",
            Field::RoundNumber => "roundNumber",
            Field::RoundPhase => "roundPhase",
            Field::IsRunning => "isRunning",
            Field::IsRegistered => "isRegistered",
            Field::OrganizationId => "organizationId",
        }
    }
}

/// Which call of the match lifecycle a body is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `register`: round 0, `LOBBY`, not yet registered.
    Register,
    /// `update` at the buy phase of a round.
    Update,
    /// `complete` after the game ended.
    Complete,
}

/// Values of one body.
pub struct BodyValues<'a> {
    pub match_id: &'a str,
    pub group_code: &'a str,
    pub org_id: &'a str,
    pub round: u32,
    pub call: Call,
}

enum Part {
    Literal(String),
    Value(Field),
}

/// The template split around the rewritten values.
pub struct BodyTemplate {
    parts: Vec<Part>,
    literal_len: usize,
}

impl BodyTemplate {
    /// Reads and splits the template; `compact` strips the whitespace between tokens (the
    /// real client sends compact JSON; the stored fixture is indented).
    pub fn load(path: &Path, compact: bool) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the body template {}", path.display()))?;
        serde_json::from_str::<serde_json::Value>(&text)
            .with_context(|| format!("the body template {} is not JSON", path.display()))?;
        let text = if compact {
            strip_whitespace(&text)
        } else {
            text
        };
        Self::parse(&text)
    }

    fn parse(text: &str) -> anyhow::Result<Self> {
        // (start, end, field) of each value to rewrite, in text order.
        let mut spans = Vec::new();
        for field in Field::ALL {
            let quoted = format!("\"{}\"", field.key());
            let mut found = text.match_indices(&quoted);
            let Some((at, _)) = found.next() else {
                bail!("the body template has no `{}`", field.key());
            };
            if found.next().is_some() {
                bail!("the body template has `{}` more than once", field.key());
            }
            let after_key = at + quoted.len();
            let rest = &text[after_key..];
            let colon = rest.find(':').context("a key without a colon")?;
            let value_start = after_key + colon + 1 + count_leading_whitespace(&rest[colon + 1..]);
            let value_end = value_start + json_scalar_len(&text[value_start..])?;
            spans.push((value_start, value_end, field));
        }
        spans.sort_by_key(|s| s.0);
        let mut parts = Vec::new();
        let mut literal_len = 0;
        let mut cursor = 0;
        for (start, end, field) in spans {
            parts.push(Part::Literal(text[cursor..start].to_owned()));
            literal_len += start - cursor;
            parts.push(Part::Value(field));
            cursor = end;
        }
        parts.push(Part::Literal(text[cursor..].to_owned()));
        literal_len += text.len() - cursor;
        Ok(Self { parts, literal_len })
    }

    /// The body of one call. Values are plain identifiers (checked), so no escaping is needed.
    pub fn render(&self, v: &BodyValues<'_>) -> Bytes {
        let mut out = String::with_capacity(self.literal_len + 128);
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Value(field) => match field {
                    Field::MatchId => push_string(&mut out, v.match_id),
                    Field::GroupCode => push_string(&mut out, v.group_code),
                    Field::OrganizationId => push_string(&mut out, v.org_id),
                    Field::RoundNumber => out.push_str(&v.round.to_string()),
                    Field::RoundPhase => push_string(
                        &mut out,
                        match v.call {
                            Call::Register => "LOBBY",
                            Call::Update => "shopping",
                            Call::Complete => "game_end",
                        },
                    ),
                    Field::IsRunning => out.push_str(if v.call == Call::Complete {
                        "false"
                    } else {
                        "true"
                    }),
                    Field::IsRegistered => out.push_str(if v.call == Call::Register {
                        "false"
                    } else {
                        "true"
                    }),
                },
            }
        }
        Bytes::from(out)
    }
}

fn push_string(out: &mut String, value: &str) {
    debug_assert!(value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    out.push('"');
    out.push_str(value);
    out.push('"');
}

fn count_leading_whitespace(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

/// Length of the JSON string, number or literal at the start of `text`.
fn json_scalar_len(text: &str) -> anyhow::Result<usize> {
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(b'"') => {
            let mut i = 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return Ok(i + 1),
                    _ => i += 1,
                }
            }
            bail!("an unterminated string in the body template")
        }
        Some(_) => Ok(bytes
            .iter()
            .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
            .unwrap_or(bytes.len())),
        None => bail!("a key without a value in the body template"),
    }
}

/// `text` without whitespace outside strings.
fn strip_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"{
  "match": {
    "matchId": "old-id",
    "groupCode": "OLD",
    "isRunning": true,
    "roundNumber": 3,
    "roundPhase": "shopping",
    "teams": [{"name": "a b", "x": "say \"hi\""}],
    "organizationId": "org-42",
    "isRegistered": true
  }
}"#;

    fn values(call: Call) -> BodyValues<'static> {
        BodyValues {
            match_id: "m-1",
            group_code: "G1",
            org_id: "org_9",
            round: 7,
            call,
        }
    }

    #[test]
    fn render_rewrites_each_field_and_keeps_the_rest() {
        let template = BodyTemplate::parse(TEMPLATE).unwrap();
        let body = template.render(&values(Call::Update));
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let m = &parsed["match"];
        assert_eq!(m["matchId"], "m-1");
        assert_eq!(m["groupCode"], "G1");
        assert_eq!(m["roundNumber"], 7);
        assert_eq!(m["roundPhase"], "shopping");
        assert_eq!(m["isRunning"], true);
        assert_eq!(m["isRegistered"], true);
        assert_eq!(m["organizationId"], "org_9");
        assert_eq!(m["teams"][0]["x"], "say \"hi\"");
    }

    #[test]
    fn register_and_complete_set_phase_and_flags() {
        let template = BodyTemplate::parse(TEMPLATE).unwrap();
        let register: serde_json::Value =
            serde_json::from_slice(&template.render(&values(Call::Register))).unwrap();
        assert_eq!(register["match"]["roundPhase"], "LOBBY");
        assert_eq!(register["match"]["isRegistered"], false);
        let complete: serde_json::Value =
            serde_json::from_slice(&template.render(&values(Call::Complete))).unwrap();
        assert_eq!(complete["match"]["roundPhase"], "game_end");
        assert_eq!(complete["match"]["isRunning"], false);
    }

    #[test]
    fn compacting_keeps_whitespace_inside_strings() {
        let compact = strip_whitespace(TEMPLATE);
        assert!(compact.contains(r#""name":"a b""#));
        assert!(!compact.contains('\n'));
        let template = BodyTemplate::parse(&compact).unwrap();
        let body = template.render(&values(Call::Update));
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["match"]["roundNumber"], 7);
    }

    #[test]
    fn the_captured_update_body_is_a_usable_template() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/backline-server/tests/data/spectra/update_body.json");
        for compact in [false, true] {
            let template = BodyTemplate::load(&path, compact).unwrap();
            let body = template.render(&values(Call::Update));
            assert!(
                (12_000..=21_000).contains(&body.len()),
                "{} bytes",
                body.len()
            );
            let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(parsed["match"]["matchId"], "m-1");
            assert_eq!(parsed["match"]["teams"].as_array().map(Vec::len), Some(2));
        }
    }

    #[test]
    fn a_template_without_a_field_is_refused() {
        assert!(BodyTemplate::parse(r#"{"match": {"matchId": "x"}}"#).is_err());
    }
}
