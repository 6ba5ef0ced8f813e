-- EVR: broadcasters (game servers hosting matches), their matches and the players in them.

CREATE TABLE evr_broadcasters (
    id TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    server_id TEXT NOT NULL,
    internal_ip TEXT NOT NULL,
    external_ip TEXT NOT NULL,
    port INTEGER NOT NULL,
    regions TEXT NOT NULL,
    version_lock TEXT NOT NULL,
    features TEXT NOT NULL,
    tags TEXT NOT NULL,
    group_ids TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
);
CREATE INDEX evr_broadcasters_by_heartbeat ON evr_broadcasters (heartbeat_at);

CREATE TABLE evr_matches (
    id TEXT PRIMARY KEY,
    broadcaster_id TEXT NOT NULL,
    host TEXT NOT NULL,
    broadcaster TEXT NOT NULL,
    phase TEXT NOT NULL,
    preparation TEXT,
    start_time INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    prepared_at INTEGER,
    started_at INTEGER,
    empty_since INTEGER,
    ended_at INTEGER
);
CREATE INDEX evr_matches_by_phase ON evr_matches (phase);
CREATE INDEX evr_matches_by_broadcaster ON evr_matches (broadcaster_id);
-- A broadcaster has at most one idle match.
CREATE UNIQUE INDEX evr_matches_one_idle ON evr_matches (broadcaster_id) WHERE phase = 'idle';

CREATE TABLE evr_match_players (
    match_id TEXT NOT NULL REFERENCES evr_matches (id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    evr_id TEXT NOT NULL,
    discord_id TEXT NOT NULL,
    team INTEGER NOT NULL,
    client_ip TEXT NOT NULL,
    party_id TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (match_id, session_id)
);
CREATE INDEX evr_match_players_by_evr_id ON evr_match_players (evr_id);
