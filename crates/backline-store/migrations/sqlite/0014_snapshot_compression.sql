-- PostgreSQL's 0014 compresses match snapshots with LZ4 instead of pglz. SQLite stores text
-- uncompressed: nothing to change, the number is kept so both databases count alike.
SELECT 1;
