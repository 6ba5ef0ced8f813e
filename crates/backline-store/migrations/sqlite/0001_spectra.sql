-- Spectra backend: organisations, access keys, API tokens, settings, the Riot player
-- registry, matches, stats, player-cam sessions. Instants are unix milliseconds (INTEGER).

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    supporter INTEGER NOT NULL DEFAULT 0,
    supporter_until INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX access_keys_by_org ON access_keys (org_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE riot_players (
    puuid TEXT PRIMARY KEY,
    full_name TEXT,
    region TEXT,
    current_tier INTEGER,
    peak_tier INTEGER,
    tiers_set_by_operator INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

CREATE TABLE spectra_matches (
    match_id TEXT NOT NULL,
    group_code TEXT NOT NULL,
    org_id TEXT,
    state TEXT NOT NULL,
    is_final INTEGER NOT NULL,
    round_number INTEGER NOT NULL,
    round_phase TEXT NOT NULL,
    map TEXT,
    match_type TEXT,
    snapshot TEXT NOT NULL,
    registered_at INTEGER,
    first_seen_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER,
    PRIMARY KEY (match_id, group_code)
);
CREATE INDEX spectra_matches_by_update ON spectra_matches (updated_at);

CREATE TABLE stats_matches (
    match_id TEXT PRIMARY KEY,
    region TEXT,
    stats TEXT,
    created_at INTEGER NOT NULL,
    computed_at INTEGER
);

CREATE TABLE stats_match_groups (
    match_id TEXT NOT NULL REFERENCES stats_matches (match_id),
    group_code TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (match_id, group_code)
);

CREATE TABLE playercam_sessions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    identifier TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX playercam_sessions_by_org ON playercam_sessions (org_id);

CREATE TABLE playercam_players (
    session_id TEXT NOT NULL REFERENCES playercam_sessions (id) ON DELETE CASCADE,
    full_name TEXT NOT NULL,
    camera_enabled INTEGER NOT NULL DEFAULT 0,
    display_name TEXT,
    PRIMARY KEY (session_id, full_name)
);
