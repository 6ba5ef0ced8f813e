-- Game integration (Ember-compatible): servers, presence, executions, bans, roles, link tokens.

CREATE TABLE ember_servers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    game TEXT NOT NULL,
    address TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    server_groups TEXT NOT NULL,
    poll_interval_seconds INTEGER NOT NULL,
    enforced_ban_scopes TEXT NOT NULL,
    default_ban_group TEXT,
    role_sync_send INTEGER NOT NULL,
    role_sync_receive INTEGER NOT NULL,
    ban_log INTEGER NOT NULL,
    settings_version INTEGER NOT NULL,
    settings_delivered INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_poll_at INTEGER
);

-- Who each server reported in its last poll.
CREATE TABLE ember_presence (
    server_id TEXT NOT NULL REFERENCES ember_servers (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    account_id TEXT NOT NULL,
    state TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (server_id, source, account_id)
);
CREATE INDEX ember_presence_by_account ON ember_presence (source, account_id);

CREATE TABLE ember_executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id TEXT NOT NULL REFERENCES ember_servers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    player_source TEXT,
    player_account_id TEXT,
    require_online INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    error TEXT,
    rerun_of INTEGER,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
-- Polls look only at a server's unfinished executions, however long the queue of others.
CREATE INDEX ember_executions_pending ON ember_executions (server_id, id)
    WHERE status IN ('queued', 'leased');

CREATE TABLE ember_bans (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    account_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    server_group TEXT,
    admin_user_id TEXT,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    lifted_at INTEGER
);
CREATE INDEX ember_bans_by_user ON ember_bans (user_id);

CREATE TABLE ember_roles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    ingame TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,
    server_groups TEXT NOT NULL
);

CREATE TABLE ember_user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES ember_roles (id) ON DELETE CASCADE,
    granted_at INTEGER NOT NULL,
    -- Set when revoked: exhaustive roles actions report roles held before and lost.
    revoked_at INTEGER,
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE ember_link_tokens (
    token_hash TEXT PRIMARY KEY,
    server_id TEXT NOT NULL,
    source TEXT NOT NULL,
    account_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    redeemed_at INTEGER,
    redeemed_by TEXT
);
