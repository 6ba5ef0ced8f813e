-- Link tokens get an id of their own, so operators can list and revoke them by it: the token
-- is a credential and is stored only as its hash, which is not shown either.
ALTER TABLE ember_link_tokens ADD COLUMN id TEXT;
UPDATE ember_link_tokens SET id = lower(hex(randomblob(16))) WHERE id IS NULL;
CREATE UNIQUE INDEX ember_link_tokens_by_id ON ember_link_tokens (id);
-- The operators' list: newest first.
CREATE INDEX ember_link_tokens_by_created ON ember_link_tokens (created_at, id);
