-- 0011: the metric values are stored by block instead of a row per value.
-- A row of metrics cost about 98 bytes per value with its key (a 24-byte
-- tuple header, period, ids, import id, load time, the index entry): 52 GB
-- for 5M subjects × 100 metrics, more than a machine's disk, and reading a
-- million subjects' column took the server ~0.3 s. A metric_blocks row holds
-- one (period, metric) column's cells for the subject ids sharing
-- id >> 16 (65,536 ids): their values as one float8[] (8 bytes a value, left
-- uncompressed: measured values do not compress), the import that gave each
-- (bigint[], compressed: one import gives most of a block) and their
-- sources (text[], NULL when no cell of the block has one).
--
-- vals[k], import_ids[k] and sources[k] are the cell of subject id
-- first_id + k − 1. A subject without a cell has NULL in vals and
-- import_ids; a given missing value (NA, an empty cell) is NaN in vals with
-- its import id. The view metrics shows the blocks as the rows of the old
-- table, (period, metric_id, subject_id, value, source, import_id,
-- loaded_at), value NULL for a missing one; loaded_at is now the time of
-- the import (imports.imported_at), which the old rows repeated.
CREATE TABLE metric_blocks (
    period     text     COLLATE "C" NOT NULL,
    metric_id  integer  NOT NULL,
    block      integer  NOT NULL CHECK (block >= 0),
    first_id   integer  NOT NULL CHECK (first_id >> 16 = block),
    vals       float8[] NOT NULL CHECK (array_ndims(vals) = 1 AND array_lower(vals, 1) = 1
                                        AND (first_id & 65535) + array_length(vals, 1) <= 65536),
    import_ids bigint[] NOT NULL CHECK (array_dims(import_ids) = array_dims(vals)),
    sources    text[]   CHECK (array_dims(sources) = array_dims(vals)),
    PRIMARY KEY (period, metric_id, block)
);
ALTER TABLE metric_blocks ALTER COLUMN vals SET STORAGE EXTERNAL;

DO $$
BEGIN
    ALTER TABLE metric_blocks
        ALTER COLUMN import_ids SET COMPRESSION lz4,
        ALTER COLUMN sources SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available on this server: metric_blocks stays compressed with pglz';
END $$;

-- The rows of metrics, a block per (period, metric, id >> 16), each from
-- the first subject id with a cell to the last.
INSERT INTO metric_blocks (period, metric_id, block, first_id, vals, import_ids, sources)
SELECT g.period, g.metric_id, g.block, g.lo,
       array_agg(CASE WHEN m.subject_id IS NULL THEN NULL ELSE coalesce(m.value, 'NaN') END ORDER BY s.id),
       array_agg(m.import_id ORDER BY s.id),
       CASE WHEN bool_or(m.source IS NOT NULL) THEN array_agg(m.source ORDER BY s.id) END
FROM (SELECT period, metric_id, subject_id >> 16 AS block, min(subject_id) AS lo, max(subject_id) AS hi
      FROM metrics GROUP BY 1, 2, 3) g
CROSS JOIN LATERAL generate_series(g.lo, g.hi) AS s(id)
LEFT JOIN metrics m ON m.period = g.period AND m.metric_id = g.metric_id AND m.subject_id = s.id
GROUP BY g.period, g.metric_id, g.block, g.lo;

DROP TABLE metrics;

CREATE VIEW metrics AS
SELECT b.period, b.metric_id, (b.first_id + u.k - 1)::integer AS subject_id,
       nullif(u.value, 'NaN') AS value, u.source, u.import_id, i.imported_at AS loaded_at
FROM metric_blocks b
CROSS JOIN LATERAL unnest(b.vals, b.import_ids, b.sources) WITH ORDINALITY AS u(value, import_id, source, k)
LEFT JOIN imports i ON i.id = u.import_id
WHERE u.import_id IS NOT NULL;

CREATE TRIGGER metric_blocks_no_truncate BEFORE TRUNCATE ON metric_blocks
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_no_truncate();
