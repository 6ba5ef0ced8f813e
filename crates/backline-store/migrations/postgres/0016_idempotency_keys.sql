-- Idempotency keys of admin API writes (`Idempotency-Key`): one row per caller and key, named
-- by a hash of both (the caller's admin token never stored); the hash of the request it was
-- first used with; while the request runs, no answer; then the answer's status, content type
-- and body, sealed with a key only that caller's token gives (a create's answer can hold a
-- secret shown once). Rows go 24 hours after the first use.
CREATE TABLE idempotency_keys (
    id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    status INTEGER,
    content_type TEXT,
    sealed_body TEXT
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
