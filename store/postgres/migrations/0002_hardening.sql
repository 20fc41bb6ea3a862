-- 0002: hardening (issue 12). Closes the ways the owning role could change
-- a stored batch with plain SQL while every trigger is enabled, and records
-- SHA-256 digests so that whatever still changes it (a superuser, or the
-- owner after ALTER TABLE … DISABLE TRIGGER) is detected on reading.
--
-- SQLSTATE GS001 = the row is protected, GS002 = bad status transition
-- (as in 0001).

-- sha256: the digest of the whole batch (its identity, indicator set,
-- results, warnings and output digests; computed by govscore, see
-- store/postgres/verify.go), set once when the batch is stored. NULL for
-- batches stored before this migration: they cannot be verified.
ALTER TABLE batches ADD COLUMN sha256 text;

-- batch_outputs: the SHA-256 and size of every stored output file, of its
-- uncompressed bytes, checked whenever the file is read back.
CREATE TABLE batch_outputs (
    batch_id bigint NOT NULL REFERENCES batches (id),
    name     text   NOT NULL,
    sha256   text   NOT NULL,
    bytes    bigint NOT NULL,
    PRIMARY KEY (batch_id, name)
);

-- A batch is inserted as a draft without approval, publication or digest.
CREATE FUNCTION govscore_batches_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'draft' OR NEW.sha256 IS NOT NULL
       OR NEW.approved_at IS NOT NULL OR NEW.approved_by IS NOT NULL
       OR NEW.published_at IS NOT NULL OR NEW.published_by IS NOT NULL THEN
        RAISE EXCEPTION 'a batch is stored as a draft, without approval, publication or digest'
            USING ERRCODE = 'GS002';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER batches_insert_guard BEFORE INSERT ON batches
    FOR EACH ROW EXECUTE FUNCTION govscore_batches_insert_guard();

-- Updates of a batch: what identifies it never changes, whatever its
-- status; its digest is set once, while it is a draft; its status moves
-- draft → approved → published and each step records who and when once;
-- nothing else (approved → approved included) is an update.
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
        NEW.composites, NEW.leaves, NEW.subjects, NEW.rated, NEW.created_at, NEW.created_by)
       IS DISTINCT FROM
       (OLD.id, OLD.set_version, OLD.period, OLD.data_sha256, OLD.engine_version, OLD.generated_at,
        OLD.composites, OLD.leaves, OLD.subjects, OLD.rated, OLD.created_at, OLD.created_by) THEN
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

-- Results (batch_subjects, batch_warnings, batch_files, batch_outputs):
-- a row never moves to another batch; the rows of a batch that is no
-- longer a draft, or whose digest is recorded, are not updated; only a
-- draft's rows may be deleted (so that a draft can be discarded).
CREATE OR REPLACE FUNCTION govscore_results_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.batch_id IS DISTINCT FROM OLD.batch_id THEN
        RAISE EXCEPTION 'a row of batch % cannot move to batch %', OLD.batch_id, NEW.batch_id
            USING ERRCODE = 'GS001';
    END IF;
    IF EXISTS (SELECT 1 FROM batches WHERE id = OLD.batch_id
               AND (status <> 'draft' OR (TG_OP = 'UPDATE' AND sha256 IS NOT NULL))) THEN
        RAISE EXCEPTION 'batch % is not a draft, or is stored with its digest: its results cannot be changed', OLD.batch_id
            USING ERRCODE = 'GS001';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

-- Inserts are checked once per statement over the rows inserted: only
-- into a draft whose digest is not recorded yet.
CREATE OR REPLACE FUNCTION govscore_results_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b bigint;
BEGIN
    SELECT n.batch_id INTO b FROM (SELECT DISTINCT batch_id FROM inserted) n
    JOIN batches x ON x.id = n.batch_id WHERE x.status <> 'draft' OR x.sha256 IS NOT NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'batch % is not a draft, or is stored with its digest: its results cannot be changed', b
            USING ERRCODE = 'GS001';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER batch_outputs_guard BEFORE UPDATE OR DELETE ON batch_outputs
    FOR EACH ROW EXECUTE FUNCTION govscore_results_guard();
CREATE TRIGGER batch_outputs_insert_guard AFTER INSERT ON batch_outputs
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_results_insert_guard();

-- An indicator-set version used by a batch never changes (a no-op update,
-- as the upsert of SaveBatch makes, is allowed) and is never deleted.
CREATE FUNCTION govscore_sets_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    SELECT id INTO b FROM batches WHERE set_version = OLD.id ORDER BY id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'indicator set % version % is used by batch % and cannot be changed', OLD.set_id, OLD.version, b
            USING ERRCODE = 'GS001';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER indicator_sets_guard BEFORE UPDATE OR DELETE ON indicator_sets
    FOR EACH ROW EXECUTE FUNCTION govscore_sets_guard();

-- TRUNCATE is refused on every table once a batch is protected: published,
-- approved, or a draft stored with its digest.
CREATE OR REPLACE FUNCTION govscore_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM batches WHERE status <> 'draft' OR sha256 IS NOT NULL) THEN
        RAISE EXCEPTION 'stored batches exist: % cannot be truncated', TG_TABLE_NAME
            USING ERRCODE = 'GS001';
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT unnest(ARRAY['batch_warnings', 'batch_files', 'batch_outputs', 'indicator_sets',
                                 'imports', 'subjects', 'metric_names', 'metric_columns', 'metrics',
                                 'assessments', 'govscore_migrations']::regclass[])
             UNION ALL
             -- the yearly partitions of metrics, which a TRUNCATE of metrics
             -- does not reach with its trigger
             SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'metrics'::regclass
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION govscore_no_truncate()',
                       replace(t::text, '"', '') || '_no_truncate', t);
    END LOOP;
END $$;
