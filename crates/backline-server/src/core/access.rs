//! Who may do what: the capabilities operators' use cases require, and the one check that
//! grants them.
//!
//! Every use case an operator reaches (through the admin API, the console, the CLI or the
//! event stream) takes a [`Grant`] of the capability it needs as its first argument. A grant
//! can only be made by [`Actor::grant`], which checks the operator's role here and nowhere
//! else, so a use case cannot be called without the check and a route cannot reach one without
//! naming a capability. The grant also carries who acted, from where and what their surface
//! calls the act, so the use case writes the audit entry itself (see [`Grant::audit`]), in the
//! same store transaction as the change, naming the entity it changed.
//!
//! The roles, as documented in `docs/admin-api.md`:
//!
//! | capability     | viewer | moderator | owner |
//! |----------------|--------|-----------|-------|
//! | [`View`]       | yes    | yes       | yes   |
//! | [`Moderate`]   | no     | yes       | yes   |
//! | [`Administer`] | no     | no        | yes   |

use super::admin_token::Operator;
use super::audit::Audited;
use super::CoreError;
use backline_domain::admin::{AdminRole, AuditEntry};
use backline_domain::Timestamp;
use std::marker::PhantomData;

mod sealed {
    pub trait Sealed {}
}

/// Something an operator may be allowed to do; one of [`View`], [`Moderate`], [`Administer`].
pub trait Capability: sealed::Sealed + Send + Sync + 'static {
    /// What the capability is called in refusals and documents.
    const NAME: &'static str;
    /// Whether `role` has this capability (the one table of who may do what).
    fn granted_to(role: AdminRole) -> bool;
}

/// Reading what Backline stores, except secrets and admin tokens: every role.
#[derive(Clone, Copy, Debug)]
pub struct View;

/// Moderating players and game servers' players: users' status, unused link tokens, players'
/// names, bans, roles and grants, kicks, re-runs of executions, ending EVR matches. Moderators
/// and owners.
#[derive(Clone, Copy, Debug)]
pub struct Moderate;

/// Everything else: what issues or shows secrets (organisations' keys, API tokens, player-cam
/// sessions, admin tokens, the Nakama keys), game servers and their settings, arbitrary
/// actions (console commands and code), creating users and changing their credentials. Owners
/// only.
#[derive(Clone, Copy, Debug)]
pub struct Administer;

impl sealed::Sealed for View {}
impl sealed::Sealed for Moderate {}
impl sealed::Sealed for Administer {}

impl Capability for View {
    const NAME: &'static str = "view";
    fn granted_to(_: AdminRole) -> bool {
        true
    }
}

impl Capability for Moderate {
    const NAME: &'static str = "moderate";
    fn granted_to(role: AdminRole) -> bool {
        matches!(role, AdminRole::Moderator | AdminRole::Owner)
    }
}

impl Capability for Administer {
    const NAME: &'static str = "administer";
    fn granted_to(role: AdminRole) -> bool {
        role == AdminRole::Owner
    }
}

/// An operator acting through a surface: who, from where, and what that surface calls the
/// act (the audit log's action: `POST /admin/v1/bans`, `console: lift ban`, `ban lift`).
#[derive(Clone, Debug)]
pub struct Actor {
    pub operator: Operator,
    /// The client address, or `cli`.
    pub source: String,
    pub action: String,
}

impl Actor {
    /// The operator at the command line: the database's owner (whoever may open it may change
    /// anything in it), recorded as `cli`.
    pub fn cli(action: impl Into<String>) -> Self {
        Self {
            operator: Operator {
                id: None,
                name: "cli".to_owned(),
                role: AdminRole::Owner,
            },
            source: "cli".to_owned(),
            action: action.into(),
        }
    }

    /// Whether this actor's role has the capability `C` (to hide what it may not do).
    pub fn may<C: Capability>(&self) -> bool {
        C::granted_to(self.operator.role)
    }

    /// The grant of `C` to this actor; [`CoreError::NotPermitted`] when its role lacks it.
    pub fn grant<C: Capability>(&self) -> Result<Grant<C>, CoreError> {
        if self.may::<C>() {
            Ok(Grant {
                actor: self.clone(),
                capability: PhantomData,
            })
        } else {
            Err(CoreError::NotPermitted {
                role: self.operator.role,
                capability: C::NAME,
                action: self.action.clone(),
            })
        }
    }
}

/// Proof that an actor's role has the capability `C`: made only by [`Actor::grant`].
#[derive(Debug)]
pub struct Grant<C: Capability> {
    actor: Actor,
    capability: PhantomData<C>,
}

impl<C: Capability> Grant<C> {
    /// Who was granted `C`.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The lesser grant to view, which every capability includes (for a write that also
    /// reads).
    pub fn view(&self) -> Grant<View> {
        Grant {
            actor: self.actor.clone(),
            capability: PhantomData,
        }
    }

    /// The audit entry of a change this grant allowed, made `at` to the entity `changed`
    /// (with its id when the change has one).
    pub fn audit(&self, at: Timestamp, changed: Audited, id: Option<String>) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at,
            actor: self.actor.operator.name.clone(),
            actor_id: self.actor.operator.id.as_ref().map(|id| id.to_string()),
            action: self.actor.action.clone(),
            entity_type: changed.as_str().to_owned(),
            entity_id: id,
            source: self.actor.source.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: AdminRole) -> Actor {
        Actor {
            operator: Operator {
                id: None,
                name: "t".to_owned(),
                role,
            },
            source: "test".to_owned(),
            action: "act".to_owned(),
        }
    }

    #[test]
    fn each_role_has_exactly_its_documented_capabilities() {
        let table = [
            (AdminRole::Viewer, [true, false, false]),
            (AdminRole::Moderator, [true, true, false]),
            (AdminRole::Owner, [true, true, true]),
        ];
        for (role, expected) in table {
            let a = actor(role);
            assert_eq!(
                [a.may::<View>(), a.may::<Moderate>(), a.may::<Administer>()],
                expected,
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_refused_grant_names_the_role_the_capability_and_the_act() {
        let refused = actor(AdminRole::Viewer).grant::<Moderate>().unwrap_err();
        assert_eq!(refused.to_string(), "the viewer role may not act");
        assert!(matches!(
            refused,
            CoreError::NotPermitted {
                role: AdminRole::Viewer,
                capability: "moderate",
                ..
            }
        ));
    }

    #[test]
    fn the_cli_acts_as_an_owner_and_is_audited_as_cli() {
        let grant = Actor::cli("org create").grant::<Administer>().unwrap();
        let entry = grant.audit(Timestamp::from_millis(5), Audited::Orgs, Some("o".into()));
        assert_eq!(
            (
                entry.actor.as_str(),
                entry.source.as_str(),
                entry.action.as_str(),
                entry.entity_type.as_str(),
                entry.entity_id.as_deref()
            ),
            ("cli", "cli", "org create", "orgs", Some("o"))
        );
    }
}
