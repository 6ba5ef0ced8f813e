//! Live events: what happened, as the event stream (`GET /events`) shows it.
//!
//! Every event has an id from the stored log's sequence (increasing, so a subscriber can
//! resume after the last id it saw), a kind with a dotted name, the time it happened, the
//! organisation it belongs to (Spectra match events only) and a small JSON payload of ids
//! and figures, never a secret.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The position of an event in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(pub i64);

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! event_kinds {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// What an event reports.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($(#[$doc])* $variant,)*
        }

        impl EventKind {
            /// Every kind, in the order the documentation lists them.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The dotted name (`match.updated`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }

            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(EventKind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

event_kinds! {
    /// A Spectra match was registered (`match_start`).
    MatchRegistered => "match.registered",
    /// A Spectra match update arrived (round, score).
    MatchUpdated => "match.updated",
    /// A Spectra match was completed (`state` is `completed` or `abandoned`).
    MatchCompleted => "match.completed",
    /// A match's statistics were computed and stored.
    StatsReady => "stats.ready",
    /// A ban was recorded.
    BanCreated => "ban.created",
    /// A ban was lifted before it expired.
    BanLifted => "ban.lifted",
    /// An execution was queued for a game server.
    ExecutionQueued => "execution.queued",
    /// An execution was leased to a server's poll.
    ExecutionDelivered => "execution.delivered",
    /// A server reported an execution done.
    ExecutionFinished => "execution.finished",
    /// A server reported an execution failed.
    ExecutionFailed => "execution.failed",
    /// An EVR broadcaster registered.
    BroadcasterUp => "broadcaster.up",
    /// An EVR broadcaster unregistered or was removed (silent too long, or by an operator).
    BroadcasterDown => "broadcaster.down",
    /// An idle EVR match was prepared for a mode and level.
    EvrMatchPrepared => "evr.match.prepared",
    /// A prepared EVR match started.
    EvrMatchStarted => "evr.match.started",
    /// An EVR match ended.
    EvrMatchEnded => "evr.match.ended",
    /// A game server polls again (after never polling, or after it stopped).
    ServerPollingStarted => "server.polling.started",
    /// A game server has not polled for three times its poll interval.
    ServerPollingStopped => "server.polling.stopped",
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to append to the log.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub at: Timestamp,
    /// The organisation a Spectra match event belongs to; `None` for every other event.
    pub org_id: Option<String>,
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// An event of no organisation, happening now.
    pub fn now(kind: EventKind, payload: serde_json::Value) -> Self {
        Self {
            kind,
            at: Timestamp::now(),
            org_id: None,
            payload,
        }
    }

    /// The same event, belonging to `org_id`.
    pub fn of_org(mut self, org_id: Option<String>) -> Self {
        self.org_id = org_id;
        self
    }
}

/// An event as stored, with its id.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub id: EventId,
    /// The dotted kind name. Kept as text: a log written by a newer Backline may hold kinds
    /// this one does not know, and they are still shown to administrators.
    pub kind: String,
    #[serde(with = "crate::timestamp::rfc3339")]
    pub at: Timestamp,
    pub org_id: Option<String>,
    pub payload: serde_json::Value,
}

/// Which kinds a subscriber wants: comma-separated exact names or prefix globs
/// (`match.*,ban.created`); `*` or nothing means every kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KindFilter {
    /// `None`: every kind. Otherwise exact names and prefixes (a glob without its `*`).
    patterns: Option<Vec<Pattern>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    Exact(String),
    Prefix(String),
}

impl Pattern {
    fn matches(&self, kind: &str) -> bool {
        match self {
            Pattern::Exact(name) => kind == name,
            Pattern::Prefix(prefix) => kind.starts_with(prefix.as_str()),
        }
    }
}

/// A pattern of a [`KindFilter`] that names no known kind.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` names no event kind (kinds are dotted names such as match.updated; a trailing * matches a prefix, as in match.*)")]
pub struct UnknownKind(pub String);

impl KindFilter {
    /// Every kind.
    pub fn all() -> Self {
        Self::default()
    }

    /// Parses `match.*,ban.created`. A pattern that matches no known kind is refused, so a
    /// typo does not silently subscribe to nothing.
    pub fn parse(text: &str) -> Result<Self, UnknownKind> {
        let mut patterns = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "*" {
                return Ok(Self::all());
            }
            let pattern = match part.strip_suffix('*') {
                Some(prefix) => Pattern::Prefix(prefix.to_owned()),
                None => Pattern::Exact(part.to_owned()),
            };
            if !EventKind::ALL.iter().any(|k| pattern.matches(k.as_str())) {
                return Err(UnknownKind(part.to_owned()));
            }
            patterns.push(pattern);
        }
        Ok(Self {
            patterns: (!patterns.is_empty()).then_some(patterns),
        })
    }

    pub fn matches(&self, kind: &str) -> bool {
        self.patterns
            .as_ref()
            .is_none_or(|patterns| patterns.iter().any(|p| p.matches(kind)))
    }
}

/// Who is watching, and so which events they may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventScope {
    /// An operator (any admin role): every event.
    Everything,
    /// An organisation's access key: that organisation's events only.
    Organisation(String),
}

impl EventScope {
    pub fn sees(&self, event: &Event) -> bool {
        match self {
            EventScope::Everything => true,
            EventScope::Organisation(org) => event.org_id.as_deref() == Some(org.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, org: Option<&str>) -> Event {
        Event {
            id: EventId(1),
            kind: kind.to_owned(),
            at: Timestamp::from_millis(0),
            org_id: org.map(str::to_owned),
            payload: serde_json::json!({}),
        }
    }

    #[test]
    fn kind_names_round_trip_and_are_unique() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
        let mut names: Vec<_> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len());
    }

    #[test]
    fn filters_match_exact_names_and_prefixes() {
        let filter = KindFilter::parse("match.*, ban.created").unwrap();
        assert!(filter.matches("match.updated"));
        assert!(filter.matches("ban.created"));
        assert!(!filter.matches("ban.lifted"));
        assert!(!filter.matches("evr.match.started"));
        assert!(KindFilter::parse("").unwrap().matches("ban.lifted"));
        assert!(KindFilter::parse("*").unwrap().matches("ban.lifted"));
        assert!(KindFilter::parse("evr.*")
            .unwrap()
            .matches("evr.match.ended"));
    }

    #[test]
    fn filters_naming_no_kind_are_refused() {
        assert_eq!(
            KindFilter::parse("match.*,mtch.updated"),
            Err(UnknownKind("mtch.updated".into()))
        );
        assert!(KindFilter::parse("match").is_err());
        assert!(KindFilter::parse("nothing.*").is_err());
    }

    #[test]
    fn an_organisation_sees_only_its_own_events() {
        let own = EventScope::Organisation("a".into());
        assert!(own.sees(&event("match.updated", Some("a"))));
        assert!(!own.sees(&event("match.updated", Some("b"))));
        assert!(!own.sees(&event("ban.created", None)));
        assert!(EventScope::Everything.sees(&event("ban.created", None)));
    }
}
