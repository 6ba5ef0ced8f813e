-- What operators look at through the admin API and the console: servers in creation order,
-- the executions of one queued action, each server's latest failure, bans newest first, the
-- holders of a role.
-- No general index on executions by server or by status: the planners would pick it for the
-- poll's lease statement instead of the partial index of pending executions.
ALTER TABLE ember_executions ADD COLUMN action_id TEXT;
CREATE INDEX ember_executions_by_action ON ember_executions (action_id, id);
CREATE INDEX ember_executions_failed ON ember_executions (server_id, id) WHERE status = 'failed';
CREATE INDEX ember_servers_by_creation ON ember_servers (created_at, id);
CREATE INDEX ember_bans_newest ON ember_bans (created_at, id);
CREATE INDEX ember_user_roles_by_role ON ember_user_roles (role_id, user_id);
