-- 0013: a batch_subjects row (about 2.4 KB at 50 leaves, 4.5 KB at 100)
-- is over TOAST's 2 KB threshold, so the server compressed its largest
-- columns (lz4 since 0009) to fit every row it stored: ~5 of the ~44
-- CPU-seconds the server spent storing a million subjects in `run --db`,
-- for 20% less space (floats barely compress). With toast_tuple_target
-- at its largest, a row that fits in a page is stored as it comes, not
-- compressed; a wider row (more than ~8 KB, some 170 leaves and more) is
-- still compressed and moved out of line as before. Rows stored before
-- keep their form; reading is unchanged.
ALTER TABLE batch_subjects SET (toast_tuple_target = 8160);
