-- Kicks queued by a ban are delivered while the player is banned; every other execution
-- about a banned player is held until the ban ends (EMBER.md, poll step 2).
ALTER TABLE ember_executions ADD COLUMN enforces_ban INTEGER NOT NULL DEFAULT 0;
