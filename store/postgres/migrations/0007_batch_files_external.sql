-- 0007: the chunks of batch_files are gzip members already (store/postgres
-- files.go): TOAST stores them out of line as they are, without trying
-- pglz on every chunk first (which finds nothing to gain and costs the
-- server a pass over each chunk). Rows stored before keep their storage;
-- reading is unchanged.
ALTER TABLE batch_files ALTER COLUMN data SET STORAGE EXTERNAL;
