//! The families of secrets whose guesses are counted together (`crate::http::guessing`),
//! shared by the surfaces that take them: a password guessed through Nakama's email login
//! and through the link page's sign-in form counts against one allowance.

use crate::config::GuessLimitConfig;
use crate::http::guessing::SecretFamily;
use axum::http::StatusCode;

fn general(config: &GuessLimitConfig) -> u32 {
    config.max_failures
}

fn unauthorized(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED
}

fn unauthorized_or_unknown(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::NOT_FOUND
}

fn unknown(status: StatusCode) -> bool {
    status == StatusCode::NOT_FOUND
}

/// Spectra access keys (and the backend token sent with them); a wrong one is a 401. Their
/// allowance is their own: every observer's key arrives from the Spectra Server's address.
pub const ACCESS_KEY: SecretFamily = SecretFamily {
    name: "access-key",
    failed: unauthorized,
    allowance: |config| config.access_key_max_failures,
};

/// Access keys (and admin tokens) presented to the event stream (`/events`) by the
/// clients themselves, one address each: the general allowance, which only Spectra Server's
/// checks on behalf of many observers need to exceed.
pub const STREAM_KEY: SecretFamily = SecretFamily {
    name: "stream-key",
    failed: unauthorized,
    allowance: general,
};

/// Account passwords; a wrong one is a 401, an unknown account a 404.
pub const PASSWORD: SecretFamily = SecretFamily {
    name: "password",
    failed: unauthorized_or_unknown,
    allowance: general,
};

/// Game-account link tokens; an unknown one is a 404 (a used or expired one is a secret the
/// caller already had).
pub const LINK_TOKEN: SecretFamily = SecretFamily {
    name: "link-token",
    failed: unknown,
    allowance: general,
};

/// Player-cam session identifiers and secrets; a wrong one is a 401 or 404.
pub const PLAYERCAM_SECRET: SecretFamily = SecretFamily {
    name: "playercam",
    failed: unauthorized_or_unknown,
    allowance: general,
};

/// Admin tokens presented to the console's sign-in form; a wrong one is a 401.
pub const ADMIN_TOKEN: SecretFamily = SecretFamily {
    name: "admin-token",
    failed: unauthorized,
    allowance: general,
};
