-- A digest of the presence a server's poll reported last (SHA-256 of the sorted players and
-- states), written in the same transaction as the `ember_presence` rows it sums up. A poll
-- compares it with the digest of what it reports, through a reader, and writes presence only
-- when it differs; NULL (never written) differs from every digest.
ALTER TABLE ember_servers ADD COLUMN presence_digest TEXT;
