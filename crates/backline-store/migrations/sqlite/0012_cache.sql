-- Change counters of the server's cache (crates/backline-store/src/cached): one row per
-- cached area, bumped by triggers in the transaction of every change to the rows that area
-- caches, whoever writes (a node, the admin CLI, hand-written SQL). Servers re-read the
-- counters every few hundred milliseconds and clear the areas whose counter moved.
-- Only the columns the cache holds fire an UPDATE trigger: a poll's last-poll time,
-- delivered settings and polling flag do not.

CREATE TABLE cache_versions (
    area TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO cache_versions (area, version) VALUES ('spectra_keys', 0), ('api_tokens', 0), ('accounts', 0), ('game_servers', 0);

-- orgs -> spectra_keys
CREATE TRIGGER cache_orgs_insert AFTER INSERT ON orgs
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'spectra_keys'; END;
CREATE TRIGGER cache_orgs_delete AFTER DELETE ON orgs
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'spectra_keys'; END;
CREATE TRIGGER cache_orgs_update AFTER UPDATE OF id, name, supporter, supporter_until, created_at ON orgs
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'spectra_keys'; END;

-- access_keys -> spectra_keys
CREATE TRIGGER cache_access_keys_insert AFTER INSERT ON access_keys
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'spectra_keys'; END;
CREATE TRIGGER cache_access_keys_delete AFTER DELETE ON access_keys
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'spectra_keys'; END;
CREATE TRIGGER cache_access_keys_update AFTER UPDATE OF id, org_id, key_hash, prefix, created_at, expires_at, revoked_at ON access_keys
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'spectra_keys'; END;

-- api_tokens -> api_tokens
CREATE TRIGGER cache_api_tokens_insert AFTER INSERT ON api_tokens
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'api_tokens'; END;
CREATE TRIGGER cache_api_tokens_delete AFTER DELETE ON api_tokens
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'api_tokens'; END;
CREATE TRIGGER cache_api_tokens_update AFTER UPDATE OF id, kind, name, token_hash, prefix, created_at, revoked_at ON api_tokens
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'api_tokens'; END;

-- users -> accounts
CREATE TRIGGER cache_users_insert AFTER INSERT ON users
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;
CREATE TRIGGER cache_users_delete AFTER DELETE ON users
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;
CREATE TRIGGER cache_users_update AFTER UPDATE OF id, username, display_name, avatar_url, email, disabled, sessions_revoked_before, created_at, updated_at ON users
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;

-- external_accounts -> accounts
CREATE TRIGGER cache_external_accounts_insert AFTER INSERT ON external_accounts
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;
CREATE TRIGGER cache_external_accounts_delete AFTER DELETE ON external_accounts
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;
CREATE TRIGGER cache_external_accounts_update AFTER UPDATE OF source, account_id, user_id, created_at ON external_accounts
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;

-- revoked_sessions -> accounts
CREATE TRIGGER cache_revoked_sessions_insert AFTER INSERT ON revoked_sessions
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;
CREATE TRIGGER cache_revoked_sessions_delete AFTER DELETE ON revoked_sessions
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;
CREATE TRIGGER cache_revoked_sessions_update AFTER UPDATE OF token_id, user_id ON revoked_sessions
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'accounts'; END;

-- ember_servers -> game_servers
CREATE TRIGGER cache_ember_servers_insert AFTER INSERT ON ember_servers
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'game_servers'; END;
CREATE TRIGGER cache_ember_servers_delete AFTER DELETE ON ember_servers
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'game_servers'; END;
CREATE TRIGGER cache_ember_servers_update AFTER UPDATE OF id, name, game, address, token_hash, server_groups, poll_interval_seconds, enforced_ban_scopes, default_ban_group, role_sync_send, role_sync_receive, ban_log, settings_version, created_at ON ember_servers
BEGIN UPDATE cache_versions SET version = version + 1 WHERE area = 'game_servers'; END;
