-- Who issued a ban (a game server or an operator), and whether a game server may lift
-- operators' bans (off unless an operator turns it on). A game server's DELETE …/bans lifts
-- only the bans game servers issued, unless its server may lift operators' bans.
ALTER TABLE ember_bans ADD COLUMN issued_by TEXT NOT NULL DEFAULT 'server';
-- Bans from before this column: an operator's ban has the audit entry of its creation, written
-- in the same transaction at the ban's own `created_at` (servers' bans are not audited; a
-- lift's entry comes later), so a ban with an entry about it at its creation instant is an
-- operator's.
UPDATE ember_bans SET issued_by = 'operator'
    WHERE EXISTS (SELECT 1 FROM audit_log a
                  WHERE a.entity_type = 'bans' AND a.entity_id = ember_bans.id
                    AND a.at = ember_bans.created_at);

ALTER TABLE ember_servers ADD COLUMN may_lift_operator_bans BIGINT NOT NULL DEFAULT 0;
-- The cache holds the new column: its changes clear the game servers' area too.
DROP TRIGGER cache_ember_servers ON ember_servers;
CREATE CONSTRAINT TRIGGER cache_ember_servers AFTER INSERT OR DELETE OR UPDATE OF id, name, game, address, token_hash, server_groups, poll_interval_seconds, enforced_ban_scopes, default_ban_group, role_sync_send, role_sync_receive, ban_log, settings_version, created_at, may_lift_operator_bans ON ember_servers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_cache_version('game_servers');
