//! systemd's readiness protocol for `backline serve` in a `Type=notify` unit: `READY=1` once
//! the listener is bound and the database migrated, `STOPPING=1` when a shutdown begins.
//! Sent only when systemd set `NOTIFY_SOCKET` (`sd-notify` does nothing otherwise); a
//! failure to send is logged, never fatal. Only the binary sends: servers started inside a
//! test process never read the process's environment for this.

use sd_notify::NotifyState;

/// Tells systemd the server is ready.
pub fn ready() {
    send(NotifyState::Ready, "READY=1");
}

/// Tells systemd the server is stopping.
pub fn stopping() {
    send(NotifyState::Stopping, "STOPPING=1");
}

fn send(state: NotifyState, word: &str) {
    if let Err(e) = sd_notify::notify(&[state]) {
        tracing::warn!(error = %e, "cannot notify systemd of {word}");
    }
}
