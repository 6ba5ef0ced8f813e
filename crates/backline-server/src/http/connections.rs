//! Who holds the listener's connections, so that no single client address locks everyone
//! out: how many each address has open (one address may hold at most
//! `max_connections_per_address`; more are closed as soon as they are accepted), and which
//! connections sit idle between requests (when the server nears `max_connections`, those
//! are closed first, so that new clients get in instead of waiting for an idle timeout).
//!
//! Addresses are counted as the guessing limits count them: an IPv4 address as it is (an
//! IPv4-mapped IPv6 address as its IPv4 address), an IPv6 address by its /64 network, which
//! one client usually holds whole (a host picks new addresses in it at will).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::Notify;

/// How long a connection that has not yet answered anything must have been silent to count
/// as idle: a new connection's first request may be in flight, and a client does not retry
/// a first request the way it retries one on a reused connection closed under it.
pub const SILENT_BEFORE_FIRST_REQUEST_MILLIS: u64 = 1_000;

/// The unit connections are counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressKey {
    V4(u32),
    /// The first 64 bits: the /64 network.
    V6(u64),
}

impl AddressKey {
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(u32::from(v4)),
                None => Self::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// What a connection is doing, as the stream wrapper and the service see it; read when
/// choosing connections to close.
#[derive(Debug)]
pub struct Activity {
    /// The registry's start, the origin of `quiet_since`.
    epoch: Instant,
    /// Bytes arrived since the connection last answered (or since it opened): a request is
    /// being received or handled.
    heard: AtomicBool,
    /// It has answered at least once (it is a kept-alive connection between requests).
    answered_once: AtomicBool,
    /// Answers whose body is still being streamed (event streams) after their head went out.
    streaming: AtomicU32,
    /// When it last answered or opened, in milliseconds since the registry's start.
    quiet_since: AtomicU64,
}

impl Default for Activity {
    /// A connection just opened, not counted anywhere (for tests of the stream wrapper).
    fn default() -> Self {
        Self {
            epoch: Instant::now(),
            heard: AtomicBool::new(false),
            answered_once: AtomicBool::new(false),
            streaming: AtomicU32::new(0),
            quiet_since: AtomicU64::new(0),
        }
    }
}

impl Activity {
    /// Bytes of a request arrived.
    pub fn heard(&self) {
        self.heard.store(true, Ordering::Relaxed);
    }

    /// An answer started going out (what arrives next is a new request, or the body after a
    /// `100 Continue`, which the stream wrapper notes as heard again).
    pub fn answered(&self) {
        self.answered_once.store(true, Ordering::Relaxed);
        self.quiet();
    }

    /// Nothing is being received from now on (a TLS handshake just ended).
    pub fn quiet(&self) {
        self.heard.store(false, Ordering::Relaxed);
        let now = self.epoch.elapsed().as_millis() as u64;
        self.quiet_since.store(now, Ordering::Relaxed);
    }

    /// An answer whose body streams on; the guard's drop ends it.
    pub fn streaming(self: &Arc<Self>) -> Streaming {
        self.streaming.fetch_add(1, Ordering::Relaxed);
        Streaming(self.clone())
    }

    /// Between requests: nothing heard since the last answer, nothing streaming.
    pub fn is_idle(&self) -> bool {
        !self.heard.load(Ordering::Relaxed) && self.streaming.load(Ordering::Relaxed) == 0
    }

    /// Idle, and either kept alive after an answer or silent since it opened for
    /// [`SILENT_BEFORE_FIRST_REQUEST_MILLIS`] (`now` in the registry's milliseconds).
    fn may_be_closed(&self, now: u64) -> bool {
        self.is_idle()
            && (self.answered_once.load(Ordering::Relaxed)
                || now.saturating_sub(self.quiet_since.load(Ordering::Relaxed))
                    >= SILENT_BEFORE_FIRST_REQUEST_MILLIS)
    }
}

impl Activity {
    /// [`Activity::may_be_closed`] now.
    pub fn may_be_closed_now(&self) -> bool {
        self.may_be_closed(self.epoch.elapsed().as_millis() as u64)
    }
}

/// An answer's body still streaming (see [`Activity::streaming`]).
#[derive(Debug)]
pub struct Streaming(Arc<Activity>);

impl Drop for Streaming {
    fn drop(&mut self) {
        self.0.streaming.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One open connection, as the registry knows it.
#[derive(Debug)]
struct Entry {
    address: AddressKey,
    activity: Arc<Activity>,
    /// Told when the connection should close if it is still idle.
    close: Arc<Notify>,
}

#[derive(Debug, Default)]
struct Inner {
    per_address: HashMap<AddressKey, usize>,
    open: HashMap<u64, Entry>,
    next_id: u64,
}

/// The listener's open connections.
#[derive(Debug)]
pub struct Connections {
    /// `None`: addresses are not capped (behind a trusted proxy).
    per_address: Option<usize>,
    started: Instant,
    inner: Mutex<Inner>,
}

/// A connection counted against its address; dropping it (when the connection ends) frees
/// its place.
#[derive(Debug)]
pub struct Admitted {
    connections: Arc<Connections>,
    id: u64,
    pub activity: Arc<Activity>,
    /// Notified by [`Connections::close_idle`]; the connection closes if it is still idle.
    pub close: Arc<Notify>,
}

impl Admitted {
    /// Called when a task starts serving the connection. Until then it waited for a slot
    /// unread, with its first request possibly in its socket: its silence counts from now,
    /// and a request to close it made while it waited (it looked silent) is dropped.
    pub fn start_serving(&self) {
        self.activity.quiet();
        let _ = futures::FutureExt::now_or_never(self.close.notified());
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut inner = self.connections.lock();
        if let Some(entry) = inner.open.remove(&self.id) {
            if let Some(count) = inner.per_address.get_mut(&entry.address) {
                *count -= 1;
                if *count == 0 {
                    inner.per_address.remove(&entry.address);
                }
            }
        }
    }
}

impl Connections {
    /// A registry allowing each address `per_address` connections (`None`: any number).
    pub fn new(per_address: Option<usize>) -> Arc<Self> {
        Arc::new(Self {
            per_address,
            started: Instant::now(),
            inner: Mutex::new(Inner::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn millis(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Counts a new connection from `ip`, or `None` when its address already holds its
    /// allowance (the caller closes the connection).
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admitted> {
        let address = AddressKey::of(ip);
        let now = self.millis();
        let mut inner = self.lock();
        let count = inner.per_address.entry(address).or_insert(0);
        if self.per_address.is_some_and(|cap| *count >= cap) {
            return None;
        }
        *count += 1;
        let id = inner.next_id;
        inner.next_id += 1;
        let activity = Arc::new(Activity {
            epoch: self.started,
            heard: AtomicBool::new(false),
            answered_once: AtomicBool::new(false),
            streaming: AtomicU32::new(0),
            quiet_since: AtomicU64::new(now),
        });
        let close = Arc::new(Notify::new());
        inner.open.insert(
            id,
            Entry {
                address,
                activity: activity.clone(),
                close: close.clone(),
            },
        );
        Some(Admitted {
            connections: self.clone(),
            id,
            activity,
            close,
        })
    }

    /// Asks up to `wanted` idle connections to close (kept alive after an answer, or silent
    /// since they opened for a second): first those of the addresses holding the most
    /// connections, among them the longest quiet. Returns how many were asked (each
    /// closes unless a request began meanwhile).
    pub fn close_idle(&self, wanted: usize) -> usize {
        let now = self.millis();
        let inner = self.lock();
        let mut idle: Vec<(usize, u64, &Entry)> = inner
            .open
            .values()
            .filter(|entry| entry.activity.may_be_closed(now))
            .map(|entry| {
                let held = inner.per_address.get(&entry.address).copied().unwrap_or(0);
                let since = entry.activity.quiet_since.load(Ordering::Relaxed);
                (held, since, entry)
            })
            .collect();
        idle.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        idle.truncate(wanted);
        for (_, _, entry) in &idle {
            entry.close.notify_one();
        }
        idle.len()
    }

    /// Connections open now from `ip`'s address.
    pub fn held_by(&self, ip: IpAddr) -> usize {
        self.lock()
            .per_address
            .get(&AddressKey::of(ip))
            .copied()
            .unwrap_or(0)
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.lock().open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_address_gets_its_allowance_and_its_places_come_back_when_connections_end() {
        let connections = Connections::new(Some(2));
        let a = connections.admit(ip("10.0.0.1")).expect("first");
        let b = connections.admit(ip("10.0.0.1")).expect("second");
        assert!(connections.admit(ip("10.0.0.1")).is_none(), "third refused");
        // Another address is not affected.
        let other = connections.admit(ip("10.0.0.2")).expect("another address");
        assert_eq!(connections.held_by(ip("10.0.0.1")), 2);
        drop(a);
        assert_eq!(connections.held_by(ip("10.0.0.1")), 1);
        let c = connections.admit(ip("10.0.0.1")).expect("a freed place");
        drop((b, c, other));
        assert_eq!(connections.open(), 0);
        assert_eq!(connections.held_by(ip("10.0.0.1")), 0);
        assert!(connections.lock().per_address.is_empty(), "nothing kept");
    }

    #[test]
    fn ipv6_clients_count_by_their_64_network_and_mapped_ipv4_as_ipv4() {
        let connections = Connections::new(Some(1));
        let _a = connections.admit(ip("2001:db8:1:2::1")).unwrap();
        assert!(connections.admit(ip("2001:db8:1:2:ffff::9")).is_none());
        let _b = connections
            .admit(ip("2001:db8:1:3::1"))
            .expect("another /64");
        let _c = connections.admit(ip("192.0.2.7")).unwrap();
        assert!(connections.admit(ip("::ffff:192.0.2.7")).is_none());
    }

    #[test]
    fn without_a_cap_one_address_may_hold_any_number() {
        let connections = Connections::new(None);
        let held: Vec<_> = (0..1000)
            .map(|_| connections.admit(ip("10.0.0.1")).unwrap())
            .collect();
        assert_eq!(connections.held_by(ip("10.0.0.1")), 1000);
        drop(held);
        assert_eq!(connections.open(), 0);
    }

    #[test]
    fn only_idle_connections_are_asked_to_close_the_biggest_holders_first() {
        let connections = Connections::new(None);
        let busy = connections.admit(ip("10.0.0.9")).unwrap();
        busy.activity.answered();
        busy.activity.heard();
        let streaming = connections.admit(ip("10.0.0.9")).unwrap();
        streaming.activity.answered();
        let stream = streaming.activity.streaming();
        let lone = connections.admit(ip("10.0.0.1")).unwrap();
        let many: Vec<_> = (0..3)
            .map(|_| connections.admit(ip("10.0.0.2")).unwrap())
            .collect();
        for kept_alive in many.iter().chain([&lone]) {
            kept_alive.activity.answered();
            kept_alive.activity.quiet_since.store(0, Ordering::Relaxed);
        }
        // One of the three is in a request, one answered last (most recently quiet).
        many[0].activity.heard();
        many[1]
            .activity
            .quiet_since
            .store(u64::MAX, Ordering::Relaxed);
        assert_eq!(connections.close_idle(1), 1);
        assert!(told(&many[2]), "the longest quiet of the biggest holder");
        assert!(!told(&many[1]) && !told(&many[0]) && !told(&lone));
        assert_eq!(
            connections.close_idle(10),
            3,
            "every idle one: two of .2, .1"
        );
        assert!(told(&many[1]) && told(&lone));
        assert!(!told(&busy) && !told(&streaming) && !told(&many[0]));
        // A finished request's connection is idle again.
        busy.activity.answered();
        drop(stream);
        assert_eq!(connections.close_idle(10), 5);
    }

    #[test]
    fn a_new_connection_is_idle_only_after_a_second_of_silence() {
        let connections = Arc::new(Connections {
            per_address: None,
            started: Instant::now() - std::time::Duration::from_secs(10),
            inner: Mutex::new(Inner::default()),
        });
        let fresh = connections.admit(ip("10.0.0.1")).unwrap();
        assert_eq!(
            connections.close_idle(10),
            0,
            "its first request may be on its way"
        );
        let silent = connections.millis() - SILENT_BEFORE_FIRST_REQUEST_MILLIS;
        fresh.activity.quiet_since.store(silent, Ordering::Relaxed);
        assert_eq!(connections.close_idle(10), 1, "silent for a second");
        assert!(told(&fresh));
        // A TLS handshake is not an answer: silent again from its end.
        fresh.activity.quiet();
        assert_eq!(connections.close_idle(10), 0);
    }

    /// Found by CI under load: a connection admitted while it waited for a slot looked
    /// silent for a second, was asked to close, and was closed as soon as it was served,
    /// with its request unread (the client saw the connection end without an answer).
    #[test]
    fn a_connection_that_waited_for_a_slot_is_not_closed_when_its_service_begins() {
        let connections = Arc::new(Connections {
            per_address: None,
            started: Instant::now() - std::time::Duration::from_secs(10),
            inner: Mutex::new(Inner::default()),
        });
        let waiting = connections.admit(ip("10.0.0.1")).unwrap();
        let silent = connections.millis() - SILENT_BEFORE_FIRST_REQUEST_MILLIS;
        waiting
            .activity
            .quiet_since
            .store(silent, Ordering::Relaxed);
        assert_eq!(
            connections.close_idle(10),
            1,
            "it looked silent while waiting"
        );
        waiting.start_serving();
        assert!(
            !told(&waiting),
            "the request made while it waited is dropped"
        );
        assert!(
            !waiting.activity.may_be_closed_now(),
            "silent only from now on"
        );
        assert_eq!(connections.close_idle(10), 0);
    }

    /// Whether the connection was asked to close (consumes the notification).
    fn told(admitted: &Admitted) -> bool {
        use std::future::Future;
        let notified = admitted.close.notified();
        let mut notified = std::pin::pin!(notified);
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        notified.as_mut().poll(&mut cx).is_ready()
    }
}
