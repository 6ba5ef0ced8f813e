-- Retention (docs/operations.md, "Retention"): indexes the pruning statements walk, so a
-- batch reads only the rows it deletes however large the table; and the leases that let one
-- node at a time run periodic maintenance on a shared database.
CREATE INDEX ember_executions_finished ON ember_executions (finished_at)
    WHERE status IN ('finished', 'failed');
CREATE INDEX evr_matches_ended ON evr_matches (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX ember_link_tokens_expiry ON ember_link_tokens (expires_at);

-- A named lease: the holder (a process's random id) may run the work until `held_until`
-- (milliseconds, on the holder's clock); another may take it once that has passed.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    held_until BIGINT NOT NULL
);
