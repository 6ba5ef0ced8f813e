-- Web console sessions: the hash of the session id in the operator's cookie, the hash of the
-- admin token it was opened with (revoking or rotating that token ends the session), expiry.
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    admin_token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_token ON console_sessions (admin_token_hash);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
