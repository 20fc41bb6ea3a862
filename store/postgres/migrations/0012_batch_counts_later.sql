-- 0012: a batch stored group by group (`run --db --by-group`) sends each
-- peer group's rows as the group is scored, instead of spooling every
-- row to a temporary file (~40 GB at 5M subjects × 100 leaves) until the
-- batches row could be inserted with its counts. The batches row now goes
-- first, with its counts of subjects and rated subjects not yet known
-- (-1, -1); they are set once, by the transaction that stores the batch,
-- before its digest. The guard allows exactly that change: from (-1, -1),
-- on a draft without digest, to counts, nothing else moving; the CHECK
-- keeps a batch with a digest, approved or published from having unknown
-- counts. Every other rule of migration 0002 is unchanged.
ALTER TABLE batches ADD CONSTRAINT batches_counts_known
    CHECK ((subjects >= 0 AND rated >= 0)
           OR (subjects = -1 AND rated = -1 AND status = 'draft' AND sha256 IS NULL));

CREATE OR REPLACE FUNCTION govscore_batches_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'batch % is published and cannot be changed', OLD.id
            USING ERRCODE = 'GS001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF (NEW.id, NEW.set_version, NEW.period, NEW.data_sha256, NEW.engine_version, NEW.generated_at,
        NEW.composites, NEW.leaves, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.id, OLD.set_version, OLD.period, OLD.data_sha256, OLD.engine_version, OLD.generated_at,
        OLD.composites, OLD.leaves, OLD.created_at, OLD.created_by)
       OR ((NEW.subjects, NEW.rated) IS DISTINCT FROM (OLD.subjects, OLD.rated)
           AND NOT (OLD.subjects = -1 AND OLD.rated = -1 AND OLD.status = 'draft' AND OLD.sha256 IS NULL
                    AND NEW.status = 'draft' AND NEW.sha256 IS NULL)) THEN
        RAISE EXCEPTION 'batch %: its indicator set, period, data, engine, results summary and creation cannot change', OLD.id
            USING ERRCODE = 'GS001';
    END IF;
    IF NEW.sha256 IS DISTINCT FROM OLD.sha256
       AND NOT (OLD.sha256 IS NULL AND OLD.status = 'draft' AND NEW.status = 'draft') THEN
        RAISE EXCEPTION 'batch %: its digest is set once, when it is stored', OLD.id
            USING ERRCODE = 'GS001';
    END IF;
    IF NEW.status = OLD.status THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'batch % is already %', OLD.id, OLD.status
                USING ERRCODE = 'GS002';
        END IF;
        IF (NEW.approved_at, NEW.approved_by, NEW.published_at, NEW.published_by)
           IS DISTINCT FROM (OLD.approved_at, OLD.approved_by, OLD.published_at, OLD.published_by) THEN
            RAISE EXCEPTION 'batch % is a draft: it has no approval or publication to record', OLD.id
                USING ERRCODE = 'GS002';
        END IF;
    ELSIF OLD.status = 'draft' AND NEW.status = 'approved' THEN
        IF NEW.published_at IS NOT NULL OR NEW.published_by IS NOT NULL THEN
            RAISE EXCEPTION 'batch % is approved, not published', OLD.id
                USING ERRCODE = 'GS002';
        END IF;
    ELSIF OLD.status = 'approved' AND NEW.status = 'published' THEN
        IF (NEW.approved_at, NEW.approved_by) IS DISTINCT FROM (OLD.approved_at, OLD.approved_by) THEN
            RAISE EXCEPTION 'batch %: its approval cannot change', OLD.id
                USING ERRCODE = 'GS001';
        END IF;
    ELSE
        RAISE EXCEPTION 'batch % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'GS002';
    END IF;
    RETURN NEW;
END $$;
