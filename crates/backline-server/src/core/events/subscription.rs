//! Subscribing to events: what was missed (from the log), then what happens (from the hub),
//! in id order, without duplicates, limited to what the subscriber may see and asked for.

use super::super::access::{Actor, Grant, View};
use super::super::{Core, CoreError, CoreResult};
use super::Fanout;
use backline_domain::events::{Event, EventId, EventScope, KindFilter};
use backline_domain::org::KeyValidity;
use backline_store::Store;
use futures::stream::{BoxStream, StreamExt};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

/// Events read from the log per query while catching up.
const PAGE: i64 = 500;

/// The outcome of a subscription request.
pub enum Subscribed {
    /// Events after the resumption point (or from now), as they happen. The stream ends
    /// when the server shuts down or the log cannot be read.
    Stream(BoxStream<'static, Event>),
    /// The resumption point is older than the retention window: events after it were
    /// pruned (every id up to `pruned_through`).
    Expired { pruned_through: EventId },
}

impl std::fmt::Debug for Subscribed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stream(_) => f.write_str("Stream"),
            Self::Expired { pruned_through } => f
                .debug_struct("Expired")
                .field("pruned_through", pruned_through)
                .finish(),
        }
    }
}

/// Counts an open subscription for as long as it lives.
struct Counted(Arc<Fanout>);

impl Counted {
    fn new(fanout: Arc<Fanout>) -> Self {
        fanout.subscribers.fetch_add(1, Ordering::Relaxed);
        Self(fanout)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.subscribers.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One subscriber's position.
struct Subscription<S> {
    core: Core<S>,
    scope: EventScope,
    filter: KindFilter,
    /// The last id handed to (or skipped for) this subscriber.
    cursor: EventId,
    /// Events up to this id are read from the log; later ones come from the hub.
    read_up_to: EventId,
    backlog: VecDeque<Event>,
    receiver: broadcast::Receiver<Arc<Event>>,
    closed: watch::Receiver<bool>,
    _counted: Counted,
}

impl<S: Store> Subscription<S> {
    fn visible(&self, event: &Event) -> bool {
        self.scope.sees(event) && self.filter.matches(&event.kind)
    }

    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.cursor = event.id;
                if self.visible(&event) {
                    return Some(event);
                }
                continue;
            }
            if self.cursor < self.read_up_to {
                let mut page = match self.core.store.events_after(self.cursor, PAGE).await {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading missed events failed; ending the subscription");
                        return None;
                    }
                };
                page.retain(|e| e.id <= self.read_up_to);
                if page.is_empty() {
                    self.cursor = self.read_up_to;
                }
                self.backlog = page.into();
                continue;
            }
            let received = tokio::select! {
                _ = self.closed.wait_for(|closed| *closed) => return None,
                received = self.receiver.recv() => received,
            };
            match received {
                Ok(event) => {
                    if event.id <= self.cursor {
                        continue;
                    }
                    self.cursor = event.id;
                    if self.visible(&event) {
                        return Some(Event::clone(&event));
                    }
                }
                // Fell behind the hub: what was dropped is in the log.
                Err(RecvError::Lagged(_)) => self.read_up_to = self.core.events.dispatched(),
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// The credential a subscriber presented.
#[derive(Clone, Copy, Debug)]
pub enum EventCredential<'a> {
    /// An organisation's access key (`?key=` or `X-Access-Key`).
    AccessKey(&'a str),
    /// `Authorization: Bearer …`: an admin token, or else an organisation's access key.
    Bearer(&'a str),
}

/// A subscriber's credential, kept to check it again while its stream is open.
#[derive(Clone, Debug)]
pub enum HeldCredential {
    AccessKey(String),
    Bearer(String),
}

impl HeldCredential {
    pub fn of(credential: EventCredential<'_>) -> Self {
        match credential {
            EventCredential::AccessKey(key) => Self::AccessKey(key.to_owned()),
            EventCredential::Bearer(token) => Self::Bearer(token.to_owned()),
        }
    }

    fn as_credential(&self) -> EventCredential<'_> {
        match self {
            Self::AccessKey(key) => EventCredential::AccessKey(key),
            Self::Bearer(token) => EventCredential::Bearer(token),
        }
    }
}

/// What an operator may watch: every event (the [`View`] capability; the event stream and the
/// console's live dashboard both ask for it).
pub fn watched_by(_: &Grant<View>) -> EventScope {
    EventScope::Everything
}

impl<S: Store> Core<S> {
    /// `events` for as long as `credential` still grants `scope`: when an event is due and
    /// the credential was last checked `every` ago or more, it is checked again, and a
    /// revoked or expired one ends the stream before the event is sent. (An idle stream
    /// sends nothing, so it is not checked.)
    pub fn while_authorised(
        &self,
        events: BoxStream<'static, Event>,
        configured_admin: Option<String>,
        credential: HeldCredential,
        scope: EventScope,
        every: std::time::Duration,
    ) -> BoxStream<'static, Event> {
        let core = self.clone();
        let every = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
        let mut checked = self.now();
        events
            .take_while(move |_| {
                let now = core.now();
                let due = now.millis().saturating_sub(checked.millis()) >= every;
                if due {
                    checked = now;
                }
                let (core, configured, credential, scope) = (
                    core.clone(),
                    configured_admin.clone(),
                    credential.clone(),
                    scope.clone(),
                );
                async move {
                    if !due {
                        return true;
                    }
                    let now = core
                        .event_scope(configured.as_deref(), Some(credential.as_credential()))
                        .await;
                    matches!(now, Ok(granted) if granted == scope)
                }
            })
            .boxed()
    }

    /// What the holder of `credential` may watch: everything with an admin token (any role;
    /// `configured_admin` is the token from the configuration, if any), its organisation's
    /// events with a valid access key. `Unauthorized` otherwise (expired keys included).
    pub async fn event_scope(
        &self,
        configured_admin: Option<&str>,
        credential: Option<EventCredential<'_>>,
    ) -> CoreResult<EventScope> {
        let key = match credential {
            None => return Err(CoreError::Unauthorized),
            Some(EventCredential::AccessKey(key)) => key,
            Some(EventCredential::Bearer(token)) => {
                match self.authenticate_admin(configured_admin, Some(token)).await {
                    Ok(operator) => {
                        let watching = Actor {
                            operator,
                            source: String::new(),
                            action: "GET /events".to_owned(),
                        };
                        return Ok(watched_by(&watching.grant::<View>()?));
                    }
                    Err(CoreError::Unauthorized) => token,
                    Err(other) => return Err(other),
                }
            }
        };
        if key.is_empty() {
            return Err(CoreError::Unauthorized);
        }
        match self.validate_key(key).await? {
            KeyValidity::Valid(org) => Ok(EventScope::Organisation(org.id.into_string())),
            KeyValidity::Invalid | KeyValidity::Expired => Err(CoreError::Unauthorized),
        }
    }

    /// Events `scope` may see and `filter` asks for: those after `resume_after` first (read
    /// from the log), or from now on when it is `None`.
    pub async fn subscribe_events(
        &self,
        scope: EventScope,
        filter: KindFilter,
        resume_after: Option<EventId>,
    ) -> CoreResult<Subscribed> {
        let fanout = self.events.fanout.clone();
        // Subscribe before reading where the hub is, so nothing falls between the two.
        let receiver = fanout.sender.subscribe();
        let dispatched = self.events.dispatched();
        let cursor = match resume_after {
            None => dispatched,
            Some(after) => {
                let pruned_through = self.store.events_pruned_through().await?;
                if after < pruned_through {
                    return Ok(Subscribed::Expired { pruned_through });
                }
                after
            }
        };
        let subscription = Subscription {
            core: self.clone(),
            scope,
            filter,
            cursor,
            read_up_to: dispatched,
            backlog: VecDeque::new(),
            receiver,
            closed: fanout.closed.subscribe(),
            _counted: Counted::new(fanout),
        };
        Ok(Subscribed::Stream(
            futures::stream::unfold(subscription, |mut s| async move {
                let event = s.next().await?;
                Some((event, s))
            })
            .boxed(),
        ))
    }
}
