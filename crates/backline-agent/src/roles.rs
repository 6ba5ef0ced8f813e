//! Role sync through the console: a `roles` action (grant these in-game groups to a player,
//! revoke those) becomes one console command per group, from a template per direction, e.g.
//! `oxide.usergroup add {id} {group}` on a Rust server with Oxide.
//!
//! Games with a well-known permission command have defaults (Rust with Oxide/uMod, Minecraft
//! with LuckPerms); any game can set its own (`[roles] grant`, `revoke`). Without a template
//! a `roles` action is finished with an error saying so, never half applied.
//!
//! Nothing is injected into the console: `{id}` and `{group}` are filled in one pass (a value
//! is never read as a placeholder), and a value holding white space, a control character, a
//! quote, `;` or `\` (what would end the argument or the command in some console) is refused:
//! the action is finished with an error and no command is sent.

use backline_domain::accounts::unsafe_in_command;

use crate::error::AgentError;

/// The grant and revoke commands of a game.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleTemplates {
    grant: Option<String>,
    revoke: Option<String>,
}

/// The defaults of games whose permission system has a console command: (game, grant, revoke).
const DEFAULTS: &[(&str, &str, &str)] = &[
    (
        "rust",
        "oxide.usergroup add {id} {group}",
        "oxide.usergroup remove {id} {group}",
    ),
    (
        "minecraft",
        "lp user {id} parent add {group}",
        "lp user {id} parent remove {group}",
    ),
];

impl RoleTemplates {
    /// The templates for `game`, with `grant` and `revoke` (from the configuration) over its
    /// defaults; each must name `{id}` and `{group}`.
    pub fn new(
        game: Option<&str>,
        grant: Option<String>,
        revoke: Option<String>,
    ) -> Result<Self, AgentError> {
        let defaults = game
            .map(str::to_ascii_lowercase)
            .and_then(|game| DEFAULTS.iter().find(|(g, _, _)| *g == game));
        let grant = grant.or_else(|| defaults.map(|(_, g, _)| (*g).to_owned()));
        let revoke = revoke.or_else(|| defaults.map(|(_, _, r)| (*r).to_owned()));
        for (name, template) in [("roles.grant", &grant), ("roles.revoke", &revoke)] {
            if let Some(template) = template {
                if !template.contains("{id}") || !template.contains("{group}") {
                    return Err(AgentError::Configuration(format!(
                        "`{name}` must name {{id}} and {{group}}: `{template}`"
                    )));
                }
            }
        }
        Ok(Self { grant, revoke })
    }

    /// The commands that grant `grant` and revoke `revoke` to the player `id`, grants first;
    /// an error (the action's finish error) when a template is missing or a value is unsafe.
    pub fn commands(
        &self,
        id: &str,
        grant: &[String],
        revoke: &[String],
    ) -> Result<Vec<String>, String> {
        let mut commands = Vec::with_capacity(grant.len() + revoke.len());
        for (template, groups, what) in [
            (&self.grant, grant, "grant"),
            (&self.revoke, revoke, "revoke"),
        ] {
            if groups.is_empty() {
                continue;
            }
            let Some(template) = template else {
                return Err(format!(
                    "no console command to {what} an in-game group on this game: set roles.{what} \
                     (BACKLINE_AGENT_ROLES_{})",
                    what.to_ascii_uppercase()
                ));
            };
            for group in groups {
                commands.push(fill(template, id, group)?);
            }
        }
        Ok(commands)
    }
}

/// `template` with `{id}` and `{group}` replaced in one pass.
fn fill(template: &str, id: &str, group: &str) -> Result<String, String> {
    for (what, value) in [("player id", id), ("group", group)] {
        if value.is_empty() || value.chars().any(unsafe_in_command) {
            return Err(format!(
                "the {what} {value:?} cannot be put in a console command safely; nothing was sent"
            ));
        }
    }
    let mut out = String::with_capacity(template.len() + id.len() + group.len());
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{id}") {
            out.push_str(id);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{group}") {
            out.push_str(group);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn rust_and_minecraft_have_defaults_and_grants_come_first() {
        let rust = RoleTemplates::new(Some("Rust"), None, None).unwrap();
        assert_eq!(
            rust.commands("76561198000000001", &groups(&["vip"]), &groups(&["admin"]))
                .unwrap(),
            [
                "oxide.usergroup add 76561198000000001 vip",
                "oxide.usergroup remove 76561198000000001 admin"
            ]
        );
        let minecraft = RoleTemplates::new(Some("minecraft"), None, None).unwrap();
        assert_eq!(
            minecraft.commands("Notch", &groups(&["mod"]), &[]).unwrap(),
            ["lp user Notch parent add mod"]
        );
    }

    #[test]
    fn a_game_without_templates_refuses_role_actions_but_takes_its_own() {
        let none = RoleTemplates::new(Some("cs2"), None, None).unwrap();
        assert!(none.commands("1", &groups(&["vip"]), &[]).is_err());
        assert_eq!(none.commands("1", &[], &[]).unwrap(), Vec::<String>::new());
        let own =
            RoleTemplates::new(Some("cs2"), Some("sm_addgroup {id} {group}".into()), None).unwrap();
        assert_eq!(
            own.commands("1", &groups(&["vip"]), &[]).unwrap(),
            ["sm_addgroup 1 vip"]
        );
        assert!(RoleTemplates::new(None, Some("say {id}".into()), None).is_err());
    }

    #[test]
    fn values_are_filled_once_and_unsafe_ones_refused() {
        let t = RoleTemplates::new(Some("rust"), None, None).unwrap();
        // A value that looks like a placeholder stays literal.
        assert_eq!(
            t.commands("{group}", &groups(&["{id}"]), &[]).unwrap(),
            ["oxide.usergroup add {group} {id}"]
        );
        for bad in ["a b", "x;quit", "x\nquit", "\"x", "x\\y", ""] {
            assert!(t.commands(bad, &groups(&["vip"]), &[]).is_err(), "{bad:?}");
            assert!(t.commands("1", &groups(&[bad]), &[]).is_err(), "{bad:?}");
        }
    }
}
