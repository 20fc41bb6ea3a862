-- 0009: batch_subjects rows (about 1.9 KB at 50 leaves) are over TOAST's
-- threshold, so the server compresses the largest columns of every row as
-- it stores it: with pglz, the default, that was ~5% of the server's time
-- in `run --db` at a million subjects. lz4 compresses several times
-- faster (and decompresses faster for `batch verify`, `report`, the
-- server's pages). A server built without lz4 keeps pglz: the statement
-- fails there and is skipped. Rows stored before keep their compression;
-- reading is unchanged.
DO $$
BEGIN
    ALTER TABLE batch_subjects
        ALTER COLUMN raw SET COMPRESSION lz4,
        ALTER COLUMN value SET COMPRESSION lz4,
        ALTER COLUMN status SET COMPRESSION lz4,
        ALTER COLUMN weight SET COMPRESSION lz4,
        ALTER COLUMN nodes SET COMPRESSION lz4;
    -- explain may be added after the migrations (lateColumns): then it
    -- keeps the default.
    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
               AND table_name = 'batch_subjects' AND column_name = 'explain') THEN
        ALTER TABLE batch_subjects ALTER COLUMN explain SET COMPRESSION lz4;
    END IF;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available on this server: batch_subjects stays compressed with pglz';
END $$;
