-- The live event log (`GET /events`): ids only grow (AUTOINCREMENT never reuses an id, even
-- after pruning), kept for the configured retention window.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    org_id TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);

-- The highest id pruned from the log: resuming after an older id would miss events.
CREATE TABLE events_pruned (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    through_id INTEGER NOT NULL
);
INSERT INTO events_pruned (singleton, through_id) VALUES (1, 0);

-- Whether a game server counts as polling (1) or not (0), flipped by the sweep that emits
-- `server.polling.started` / `server.polling.stopped`.
ALTER TABLE ember_servers ADD COLUMN polling INTEGER NOT NULL DEFAULT 0;
