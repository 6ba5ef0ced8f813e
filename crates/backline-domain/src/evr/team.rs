//! EVR team indexes.

use serde::{Deserialize, Serialize};

/// A team in an EVR lobby.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Team {
    Any,
    Blue,
    Orange,
    Spectator,
    Social,
    Moderator,
}

/// A team name or number that is none of the known ones.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown team `{0}`; use any, blue, orange, spectator, social or moderator")]
pub struct UnknownTeam(pub String);

impl Team {
    pub const ALL: [Team; 6] = [
        Self::Any,
        Self::Blue,
        Self::Orange,
        Self::Spectator,
        Self::Social,
        Self::Moderator,
    ];

    pub fn index(self) -> i64 {
        match self {
            Self::Any => -1,
            Self::Blue => 0,
            Self::Orange => 1,
            Self::Spectator => 2,
            Self::Social => 3,
            Self::Moderator => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Blue => "blue",
            Self::Orange => "orange",
            Self::Spectator => "spectator",
            Self::Social => "social",
            Self::Moderator => "moderator",
        }
    }

    pub fn from_index(index: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.index() == index)
    }

    /// A name (`""` is `any`) or a number, as clients send it.
    pub fn parse(text: &str) -> Result<Self, UnknownTeam> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Self::Any);
        }
        if let Some(team) = Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(trimmed))
        {
            return Ok(team);
        }
        trimmed
            .parse::<i64>()
            .ok()
            .and_then(Self::from_index)
            .ok_or_else(|| UnknownTeam(text.to_owned()))
    }

    /// Teams that count towards `player_limit` (everyone but spectators and moderators).
    pub fn is_player(self) -> bool {
        !matches!(self, Self::Spectator | Self::Moderator)
    }
}

impl Serialize for Team {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Team {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let text = match &value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        Team::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_empty_parse() {
        assert_eq!(Team::parse("blue"), Ok(Team::Blue));
        assert_eq!(Team::parse("ORANGE"), Ok(Team::Orange));
        assert_eq!(Team::parse("2"), Ok(Team::Spectator));
        assert_eq!(Team::parse("-1"), Ok(Team::Any));
        assert_eq!(Team::parse(""), Ok(Team::Any));
        assert!(Team::parse("purple").is_err());
        assert!(Team::parse("7").is_err());
    }

    #[test]
    fn serialises_as_the_name_and_reads_names_or_numbers() {
        assert_eq!(
            serde_json::to_string(&Team::Moderator).unwrap(),
            "\"moderator\""
        );
        assert_eq!(serde_json::from_str::<Team>("1").unwrap(), Team::Orange);
        assert_eq!(
            serde_json::from_str::<Team>("\"social\"").unwrap(),
            Team::Social
        );
        assert!(serde_json::from_str::<Team>("\"nope\"").is_err());
    }
}
