//! One poll cycle of the agent: what a game-server plugin does, done from outside the game.
//!
//! 1. Finishes Backline has not acknowledged yet (a crash, a lost answer) are sent again from
//!    the journal.
//! 2. The players are read from the game's console and reported: a player not seen in the
//!    previous cycle as `connecting` (so Backline sends a banned player's kick and a player's
//!    roles), the others as `connected`. Ids that are not in their source's format (a Quake 3
//!    name with a space, say) are left out and logged: one odd name must not make Backline
//!    refuse the whole report.
//! 3. The poll's actions are run in Backline's order. A `command` with an execution id goes
//!    through the journal: recorded as started before it is sent, done after, acknowledged
//!    once Backline took the finish; one the journal has seen is never sent again. Commands
//!    without an id (a kick the poll adds for a banned player connecting) are sent as they
//!    come. `roles` become console commands through the game's templates ([`crate::roles`]).
//!    `code` actions and types the agent does not know are finished with a clear error.
//!
//! If the console cannot be reached, the cycle stops before polling: polling without players
//! would tell Backline everyone left, and leased commands could not run anyway (they stay
//! leased and come back when the lease ends).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use backline_client::game::{Action, ExecutionId as BacklineExecution, GameClient, Presence};
use backline_client::{Error as ClientError, Transport};
use backline_domain::accounts::AccountId;
use tokio_util::sync::CancellationToken;

use crate::config::AgentConfig;
use crate::console::AnyConsole;
use crate::error::AgentError;
use crate::journal::{Begin, ExecutionId, Journal, Outcome};
use crate::players::PlayerReader;
use crate::roles::RoleTemplates;

/// Answers that mean the game did not know the command (Source, Minecraft, Quake 3, Rust).
const UNKNOWN_COMMAND: &[&str] = &[
    "unknown command",
    "unknown or incomplete command",
    "command not found",
];

/// What one cycle did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CycleReport {
    /// Players reported.
    pub players: usize,
    /// Actions received.
    pub actions: usize,
    /// Commands sent to the game.
    pub sent: usize,
    /// Finishes Backline acknowledged.
    pub finished: usize,
}

/// The agent for one game server: its Backline client, console, player reading and journal.
pub struct Agent {
    game: GameClient,
    console: AnyConsole,
    reader: Option<PlayerReader>,
    journal: Journal,
    roles: RoleTemplates,
    /// The players reported in the last cycle, as (source, id).
    present: BTreeSet<(String, String)>,
    /// How long to wait before the next poll.
    pub interval: Duration,
}

/// A Backline client error as the agent acts on it.
pub fn from_client(error: ClientError) -> AgentError {
    match &error {
        ClientError::Api { status, .. } if *status == 401 || *status == 403 => {
            AgentError::TokenRefused(error.to_string())
        }
        _ => AgentError::Backline(error.to_string()),
    }
}

impl Agent {
    /// The agent `config` describes, with its journal opened (and locked) in the state
    /// directory.
    pub fn open(config: &AgentConfig) -> Result<Self, AgentError> {
        let (url, token) = config.backline()?;
        let state_dir = config.state_dir.clone().ok_or_else(|| {
            AgentError::Configuration(
                "no state directory: set BACKLINE_AGENT_STATE_DIR (or `state_dir`); the journal \
                 that keeps commands at most once lives there"
                    .into(),
            )
        })?;
        let transport = Transport::new(&url)
            .map_err(|e| AgentError::Configuration(format!("the Backline URL `{url}`: {e}")))?;
        let console = AnyConsole::from_config(config)?;
        let reader = if console.answers() {
            Some(config.player_reader()?)
        } else {
            None
        };
        let journal = Journal::open(&state_dir)?;
        for id in journal.interrupted() {
            tracing::warn!(
                execution = id.0,
                "an execution was being sent when the agent stopped: it is not sent again and is \
                 reported as of unknown outcome"
            );
        }
        Ok(Self {
            game: GameClient::new(transport, token.expose()),
            console,
            reader,
            journal,
            roles: config.roles.clone(),
            present: BTreeSet::new(),
            interval: config.poll_interval,
        })
    }

    /// Checks the token with Backline (`meta`).
    pub async fn check_token(&self) -> Result<(), AgentError> {
        self.game.meta().await.map(|_| ()).map_err(from_client)
    }

    /// Runs one cycle (see the module header). `stop` is checked between actions: the action
    /// running when it is cancelled finishes, the rest stay leased to Backline.
    pub async fn cycle(&mut self, stop: &CancellationToken) -> Result<CycleReport, AgentError> {
        let mut report = CycleReport {
            finished: self.send_pending_finishes().await?,
            ..CycleReport::default()
        };
        let presence = self.read_presence().await?;
        report.players = presence.len();
        let poll = self.game.poll(&presence).await.map_err(from_client)?;
        if let Some(next) = poll.next_poll.filter(|d| !d.is_zero()) {
            self.interval = next;
        }
        report.actions = poll.actions.len();
        for action in poll.actions {
            if stop.is_cancelled() {
                tracing::info!("stopping: the remaining actions stay with Backline");
                break;
            }
            self.handle(action, &mut report).await?;
        }
        self.journal.prune(crate::journal::DEFAULT_RETENTION)?;
        Ok(report)
    }

    /// Sends the finishes of the journal that Backline has not acknowledged; how many it took.
    async fn send_pending_finishes(&mut self) -> Result<usize, AgentError> {
        let mut taken = 0;
        for pending in self.journal.pending_finishes()? {
            if self.report(pending.execution, &pending.outcome).await? {
                taken += 1;
            }
        }
        Ok(taken)
    }

    /// The players on the server, as the poll reports them.
    async fn read_presence(&mut self) -> Result<Presence, AgentError> {
        let mut presence = Presence::new();
        let Some(reader) = &self.reader else {
            // A console without answers (exec): no players can be read; report none.
            self.console.connect().await?;
            return Ok(presence);
        };
        self.console.connect().await?;
        let players = reader.read(&mut self.console).await?;
        let mut now = BTreeSet::new();
        for player in players {
            if let Err(e) = AccountId::parse(&player.source, &player.id) {
                tracing::warn!(source = %player.source, id = %player.id, error = %e,
                    "a player id Backline would refuse is left out of the report");
                continue;
            }
            let key = (player.source, player.id);
            if self.present.contains(&key) {
                presence.connected(&key.0, &key.1);
            } else {
                presence.connecting(&key.0, &key.1);
            }
            now.insert(key);
        }
        self.present = now;
        Ok(presence)
    }

    async fn handle(&mut self, action: Action, report: &mut CycleReport) -> Result<(), AgentError> {
        match action {
            Action::Settings(settings) => {
                if settings.poll_interval > 0 {
                    self.interval = Duration::from_secs(settings.poll_interval);
                }
                Ok(())
            }
            Action::Command {
                execution_id: None,
                command,
            } => {
                let outcome = self.send(&command).await;
                report.sent += 1;
                tracing::info!(kind = "command", execution = "none", result = ?outcome, "ran");
                Ok(())
            }
            Action::Command {
                execution_id: Some(id),
                command,
            } => self.execute(id, "command", vec![command], report).await,
            Action::Roles {
                execution_id,
                change,
            } => {
                let commands =
                    self.roles
                        .commands(&change.player.account_id, &change.grant, &change.revoke);
                match (execution_id, commands) {
                    (Some(id), Ok(commands)) => self.execute(id, "roles", commands, report).await,
                    (Some(id), Err(refusal)) => self.refuse(id, "roles", refusal, report).await,
                    (None, Ok(commands)) => {
                        for command in commands {
                            let outcome = self.send(&command).await;
                            report.sent += 1;
                            tracing::info!(kind = "roles", result = ?outcome, "ran");
                        }
                        Ok(())
                    }
                    (None, Err(refusal)) => {
                        tracing::warn!(kind = "roles", %refusal, "a role change was not applied");
                        Ok(())
                    }
                }
            }
            Action::Code {
                execution_id: Some(id),
                ..
            } => {
                let why = "code actions need a plugin inside the game; backline-agent drives the \
                           console and cannot run code"
                    .to_owned();
                self.refuse(id, "code", why, report).await
            }
            Action::Unknown {
                kind,
                execution_id: Some(id),
                ..
            } => {
                let why = format!("backline-agent does not know the action type `{kind}`");
                self.refuse(id, "unknown", why, report).await
            }
            Action::Code {
                execution_id: None, ..
            }
            | Action::Unknown {
                execution_id: None, ..
            } => {
                tracing::warn!(
                    "an action without an execution id the agent cannot run was skipped"
                );
                Ok(())
            }
        }
    }

    /// Runs `commands` (in order, stopping at the first failure) for execution `id`, at most
    /// once, and reports the outcome.
    async fn execute(
        &mut self,
        id: BacklineExecution,
        kind: &'static str,
        commands: Vec<String>,
        report: &mut CycleReport,
    ) -> Result<(), AgentError> {
        let execution = ExecutionId(id.0);
        let outcome = match self.journal.begin(execution)? {
            Begin::InProgress => return Ok(()),
            Begin::AlreadyDone(outcome) => outcome,
            Begin::Fresh => {
                let started = Instant::now();
                let mut outcome = Outcome::Succeeded;
                for command in &commands {
                    report.sent += 1;
                    outcome = self.send(command).await;
                    if outcome != Outcome::Succeeded {
                        break;
                    }
                }
                self.journal.finish(execution, &outcome)?;
                tracing::info!(
                    execution = id.0,
                    kind,
                    millis = started.elapsed().as_millis() as u64,
                    result = outcome.error().unwrap_or("ok"),
                    "executed"
                );
                outcome
            }
        };
        if self.report(execution, &outcome).await? {
            report.finished += 1;
        }
        Ok(())
    }

    /// Finishes execution `id` with `refusal` without sending anything.
    async fn refuse(
        &mut self,
        id: BacklineExecution,
        kind: &'static str,
        refusal: String,
        report: &mut CycleReport,
    ) -> Result<(), AgentError> {
        let execution = ExecutionId(id.0);
        let outcome = match self.journal.begin(execution)? {
            Begin::InProgress => return Ok(()),
            Begin::AlreadyDone(outcome) => outcome,
            Begin::Fresh => {
                let outcome = Outcome::Failed(refusal);
                self.journal.finish(execution, &outcome)?;
                tracing::warn!(execution = id.0, kind, result = outcome.error(), "refused");
                outcome
            }
        };
        if self.report(execution, &outcome).await? {
            report.finished += 1;
        }
        Ok(())
    }

    /// Sends one command to the game: its outcome as Backline hears it.
    async fn send(&mut self, command: &str) -> Outcome {
        match self.console.run(command).await {
            Ok(answer) => {
                let first = answer.trim_start().to_ascii_lowercase();
                if UNKNOWN_COMMAND.iter().any(|u| first.starts_with(u)) {
                    Outcome::Failed(format!(
                        "the game did not know the command: {}",
                        answer.trim()
                    ))
                } else {
                    Outcome::Succeeded
                }
            }
            Err(e) if e.outcome_unknown() => Outcome::Failed(format!("outcome unknown: {e}")),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    /// Tells Backline how execution `id` ended; true when it took it (now acknowledged).
    /// Backline answering that it cannot take the finish (the execution is unknown, or was
    /// finished already) also ends the matter: there is nothing more to tell it.
    async fn report(&mut self, id: ExecutionId, outcome: &Outcome) -> Result<bool, AgentError> {
        match self
            .game
            .finish(BacklineExecution(id.0), outcome.error())
            .await
        {
            Ok(()) => {
                self.journal.acknowledge(id)?;
                Ok(true)
            }
            Err(ClientError::Api {
                status, ref body, ..
            }) if (400..500).contains(&status) && ![401, 403, 408, 429].contains(&status) => {
                tracing::warn!(
                    execution = id.0,
                    status,
                    message = body.message(),
                    "Backline would not take the finish; it is dropped"
                );
                self.journal.acknowledge(id)?;
                Ok(false)
            }
            Err(e) => {
                let e = from_client(e);
                if matches!(e, AgentError::TokenRefused(_)) {
                    return Err(e);
                }
                tracing::warn!(execution = id.0, error = %e, "a finish did not reach Backline; it is sent again next cycle");
                Ok(false)
            }
        }
    }
}
