-- 0010: the cells of indicators.csv and of results.json's "indicators"
-- section (about 85% of their bytes) are stored once, as the batch_subjects
-- rows' arrays, instead of a second time as rendered text in batch_files:
-- bytes [cells_at, cells_at + cells_bytes) of such an output are not in its
-- chunks and are rendered from the rows when it is read (store/postgres
-- derived.go). NULL: the output is stored whole (every output stored
-- before, and every other output). The recorded SHA-256 and size stay
-- those of the whole file, so reading it back checks the rendering too.
ALTER TABLE batch_outputs ADD COLUMN cells_at bigint, ADD COLUMN cells_bytes bigint;
ALTER TABLE batch_outputs ADD CONSTRAINT batch_outputs_cells_check CHECK (
    (cells_at IS NULL) = (cells_bytes IS NULL)
    AND (cells_at IS NULL OR (cells_at >= 0 AND cells_bytes >= 0 AND cells_at + cells_bytes <= bytes)));
