-- What the admin API filters EVR matches by, kept beside the JSON it is read from: the mode
-- of the preparation (NULL while idle) and the regions of the broadcaster the match was
-- created on (a JSON array of strings, as the broadcaster stores its own).
ALTER TABLE evr_matches ADD COLUMN mode TEXT;
ALTER TABLE evr_matches ADD COLUMN regions TEXT NOT NULL DEFAULT '[]';
UPDATE evr_matches SET mode = json_extract(preparation, '$.mode') WHERE preparation IS NOT NULL;
UPDATE evr_matches SET regions = json_extract(broadcaster, '$.regions')
    WHERE json_type(broadcaster, '$.regions') = 'array';
-- Admin lists page through matches newest first.
CREATE INDEX evr_matches_by_creation ON evr_matches (created_at, id);
CREATE INDEX evr_broadcasters_by_registration ON evr_broadcasters (registered_at, id);
