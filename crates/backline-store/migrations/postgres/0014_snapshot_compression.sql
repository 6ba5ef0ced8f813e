-- Match snapshots (about 20 KB of JSON, rewritten on every round of every observed match)
-- were compressed with PostgreSQL's default pglz: under the bench's match-update loop,
-- pglz_compress took 26 % of the machine's CPU, more than Backline itself. LZ4 compresses
-- such text several times faster at a similar ratio. It applies to values written from now
-- on; older rows keep pglz until rewritten (both read back the same).
--
-- Only where the server was built with LZ4 (PostgreSQL 14 or later, `--with-lz4`, as
-- Debian's and the official images are); elsewhere the column keeps the server's default.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000
       AND EXISTS (
           SELECT 1 FROM pg_settings
           WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)
       )
    THEN
        EXECUTE 'ALTER TABLE spectra_matches ALTER COLUMN snapshot SET COMPRESSION lz4';
    END IF;
END
$$;
