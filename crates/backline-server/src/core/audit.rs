//! The audit log: every operator's change, through the admin API, the console or the CLI,
//! without secrets.
//!
//! Each use case that changes something writes its entry itself, in the store transaction of
//! the change, from the [`Grant`](super::access::Grant) that allowed it: who, from where, what
//! their surface calls the act, and the [`Audited`] entity with its id.

use super::access::{Grant, View};
use super::page::{Page, PageRequest};
use super::{Core, CoreResult};
use backline_domain::admin::AuditEntry;
use backline_store::{AuditFilter, Store};

/// The kind of entity an audited change is to: the audit log's `entity_type`, by which it
/// can be filtered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audited {
    AdminTokens,
    Users,
    LinkTokens,
    Orgs,
    Keys,
    Tokens,
    Players,
    Matches,
    PlayercamSessions,
    Servers,
    Roles,
    Bans,
    Executions,
    /// Commands or code queued on game servers, and kicks.
    Actions,
    Broadcasters,
    EvrMatches,
}

impl Audited {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AdminTokens => "admin-tokens",
            Self::Users => "users",
            Self::LinkTokens => "link-tokens",
            Self::Orgs => "orgs",
            Self::Keys => "keys",
            Self::Tokens => "tokens",
            Self::Players => "players",
            Self::Matches => "matches",
            Self::PlayercamSessions => "playercam-sessions",
            Self::Servers => "servers",
            Self::Roles => "roles",
            Self::Bans => "bans",
            Self::Executions => "executions",
            Self::Actions => "actions",
            Self::Broadcasters => "broadcasters",
            Self::EvrMatches => "evr-matches",
        }
    }
}

impl<S: Store> Core<S> {
    /// A page of the audit log, newest first, narrowed by `filter` (whose `before_seq` and
    /// `limit` are taken from `page`).
    pub async fn list_audit(
        &self,
        _: &Grant<View>,
        filter: AuditFilter,
        page: &PageRequest,
    ) -> CoreResult<Page<AuditEntry>> {
        let filter = AuditFilter {
            before_seq: page.integer_cursor()?,
            limit: page.fetch(),
            ..filter
        };
        let rows = self.store.list_audit(&filter).await?;
        Ok(page.page(rows, |e| e.seq.to_string()))
    }
}
