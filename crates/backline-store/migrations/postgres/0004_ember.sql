-- Game integration (Ember-compatible): servers, presence, executions, bans, roles, link tokens.

CREATE TABLE ember_servers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    game TEXT NOT NULL,
    address TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    token_prefix TEXT NOT NULL,
    server_groups TEXT NOT NULL,
    poll_interval_seconds BIGINT NOT NULL,
    enforced_ban_scopes TEXT NOT NULL,
    default_ban_group TEXT,
    role_sync_send BIGINT NOT NULL,
    role_sync_receive BIGINT NOT NULL,
    ban_log BIGINT NOT NULL,
    settings_version BIGINT NOT NULL,
    settings_delivered BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_poll_at BIGINT
);

-- Who each server reported in its last poll.
CREATE TABLE ember_presence (
    server_id TEXT NOT NULL REFERENCES ember_servers (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    account_id TEXT NOT NULL,
    state TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (server_id, source, account_id)
);
CREATE INDEX ember_presence_by_account ON ember_presence (source, account_id);

CREATE TABLE ember_executions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    server_id TEXT NOT NULL REFERENCES ember_servers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    player_source TEXT,
    player_account_id TEXT,
    require_online BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT,
    error TEXT,
    rerun_of BIGINT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
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
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    lifted_at BIGINT
);
CREATE INDEX ember_bans_by_user ON ember_bans (user_id);

CREATE TABLE ember_roles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    ingame TEXT NOT NULL UNIQUE,
    position BIGINT NOT NULL,
    server_groups TEXT NOT NULL
);

CREATE TABLE ember_user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES ember_roles (id) ON DELETE CASCADE,
    granted_at BIGINT NOT NULL,
    -- Set when revoked: exhaustive roles actions report roles held before and lost.
    revoked_at BIGINT,
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE ember_link_tokens (
    token_hash TEXT PRIMARY KEY,
    server_id TEXT NOT NULL,
    source TEXT NOT NULL,
    account_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    redeemed_at BIGINT,
    redeemed_by TEXT
);
