-- Change counters of the server's cache (crates/backline-store/src/cached): one row per
-- cached area, bumped by triggers in the transaction of every change to the rows that area
-- caches, whoever writes (a node, the admin CLI, hand-written SQL). Servers re-read the
-- counters every few hundred milliseconds and clear the areas whose counter moved.
-- Only the columns the cache holds fire an UPDATE trigger: a poll's last-poll time,
-- delivered settings and polling flag do not.

CREATE TABLE cache_versions (
    area TEXT PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO cache_versions (area, version) VALUES ('spectra_keys', 0), ('api_tokens', 0), ('accounts', 0), ('game_servers', 0);

-- Bumps the counter of the area named by the trigger's argument and announces it on the
-- channel `backline_cache` (delivered when the transaction commits). The triggers are
-- deferred to the commit so the counter row is locked only for the commit itself, not for
-- the rest of a long transaction; FOR EACH ROW, so a statement that changes no row (an
-- INSERT … ON CONFLICT DO NOTHING that conflicts) bumps nothing.
CREATE FUNCTION bump_cache_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE area = TG_ARGV[0];
    PERFORM pg_notify('backline_cache', TG_ARGV[0]);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER cache_orgs AFTER INSERT OR DELETE OR UPDATE OF id, name, supporter, supporter_until, created_at ON orgs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_cache_version('spectra_keys');

CREATE CONSTRAINT TRIGGER cache_access_keys AFTER INSERT OR DELETE OR UPDATE OF id, org_id, key_hash, prefix, created_at, expires_at, revoked_at ON access_keys
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_cache_version('spectra_keys');

CREATE CONSTRAINT TRIGGER cache_api_tokens AFTER INSERT OR DELETE OR UPDATE OF id, kind, name, token_hash, prefix, created_at, revoked_at ON api_tokens
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_cache_version('api_tokens');

CREATE CONSTRAINT TRIGGER cache_users AFTER INSERT OR DELETE OR UPDATE OF id, username, display_name, avatar_url, email, disabled, sessions_revoked_before, created_at, updated_at ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_cache_version('accounts');

CREATE CONSTRAINT TRIGGER cache_external_accounts AFTER INSERT OR DELETE OR UPDATE OF source, account_id, user_id, created_at ON external_accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_cache_version('accounts');

CREATE CONSTRAINT TRIGGER cache_revoked_sessions AFTER INSERT OR DELETE OR UPDATE OF token_id, user_id ON revoked_sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_cache_version('accounts');

CREATE CONSTRAINT TRIGGER cache_ember_servers AFTER INSERT OR DELETE OR UPDATE OF id, name, game, address, token_hash, server_groups, poll_interval_seconds, enforced_ban_scopes, default_ban_group, role_sync_send, role_sync_receive, ban_log, settings_version, created_at ON ember_servers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_cache_version('game_servers');
