-- Spectra backend: organisations, access keys, API tokens, settings, the Riot player
-- registry, matches, stats, player-cam sessions. Instants are unix milliseconds (BIGINT).

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    supporter BIGINT NOT NULL DEFAULT 0,
    supporter_until BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE access_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX access_keys_by_org ON access_keys (org_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE riot_players (
    puuid TEXT PRIMARY KEY,
    full_name TEXT,
    region TEXT,
    current_tier BIGINT,
    peak_tier BIGINT,
    tiers_set_by_operator BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

CREATE TABLE spectra_matches (
    match_id TEXT NOT NULL,
    group_code TEXT NOT NULL,
    org_id TEXT,
    state TEXT NOT NULL,
    is_final BIGINT NOT NULL,
    round_number BIGINT NOT NULL,
    round_phase TEXT NOT NULL,
    map TEXT,
    match_type TEXT,
    snapshot TEXT NOT NULL,
    registered_at BIGINT,
    first_seen_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (match_id, group_code)
);
CREATE INDEX spectra_matches_by_update ON spectra_matches (updated_at);

CREATE TABLE stats_matches (
    match_id TEXT PRIMARY KEY,
    region TEXT,
    stats TEXT,
    created_at BIGINT NOT NULL,
    computed_at BIGINT
);

CREATE TABLE stats_match_groups (
    match_id TEXT NOT NULL REFERENCES stats_matches (match_id),
    group_code TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (match_id, group_code)
);

CREATE TABLE playercam_sessions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (id),
    identifier TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX playercam_sessions_by_org ON playercam_sessions (org_id);

CREATE TABLE playercam_players (
    session_id TEXT NOT NULL REFERENCES playercam_sessions (id) ON DELETE CASCADE,
    full_name TEXT NOT NULL,
    camera_enabled BIGINT NOT NULL DEFAULT 0,
    display_name TEXT,
    PRIMARY KEY (session_id, full_name)
);
