-- 0001: subjects, metrics (range-partitioned by period), imports,
-- indicator-set versions, batches and their results. A published batch
-- and everything stored with it are immutable (triggers below).

CREATE TABLE imports (
    id                 bigserial   PRIMARY KEY,
    files              jsonb       NOT NULL,           -- [{"name", "sha256", "bytes"}]
    sha256             text        NOT NULL,           -- of the files' hashes, in order
    subjects_added     integer     NOT NULL DEFAULT 0,
    subjects_updated   integer     NOT NULL DEFAULT 0,
    subjects_unchanged integer     NOT NULL DEFAULT 0,
    metrics_added      bigint      NOT NULL DEFAULT 0,
    metrics_changed    bigint      NOT NULL DEFAULT 0,
    metrics_unchanged  bigint      NOT NULL DEFAULT 0,
    assessments_added     integer  NOT NULL DEFAULT 0,
    assessments_changed   integer  NOT NULL DEFAULT 0,
    assessments_unchanged integer  NOT NULL DEFAULT 0,
    imported_at        timestamptz NOT NULL DEFAULT now(),
    imported_by        text        NOT NULL DEFAULT current_user
);

CREATE TABLE subjects (
    id         serial      PRIMARY KEY,              -- internal key used by metrics
    code       text        NOT NULL UNIQUE,          -- the subject id of subjects.csv
    name       text        NOT NULL,
    kind       text        NOT NULL,
    parent     text        REFERENCES subjects (code) DEFERRABLE INITIALLY DEFERRED,
    attrs      jsonb       NOT NULL DEFAULT '{}',     -- the other columns, as strings
    import_id  bigint      NOT NULL REFERENCES imports (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subjects_parent_idx ON subjects (parent);

CREATE TABLE metric_names (
    id   serial PRIMARY KEY,
    name text   NOT NULL UNIQUE
);

-- metric_columns catalogues the (period, metric) columns that hold at least
-- one row, so that periods and metric names are known without scanning
-- metrics.
CREATE TABLE metric_columns (
    period    text    COLLATE "C" NOT NULL,
    metric_id integer NOT NULL REFERENCES metric_names (id),
    PRIMARY KEY (period, metric_id)
);

-- metrics holds one row per given (subject, period, metric); value NULL is
-- a missing token (NA, empty cell). Range-partitioned by period, one
-- partition per year ('2024' … '2024~' holds 2024, 2024-H1, 2024-Q3,
-- 2024-07), created by the importer. No foreign keys, for load speed: the
-- importer resolves subject_id and metric_id itself.
CREATE TABLE metrics (
    period     text        COLLATE "C" NOT NULL,
    metric_id  integer     NOT NULL,
    subject_id integer     NOT NULL,
    value      double precision,
    source     text,
    import_id  bigint      NOT NULL,
    loaded_at  timestamptz NOT NULL,
    PRIMARY KEY (period, metric_id, subject_id)
) PARTITION BY RANGE (period);

-- assessments holds one row per rating (SPEC §5); seq keeps the order of
-- the rows within their import.
CREATE TABLE assessments (
    period     text        COLLATE "C" NOT NULL,
    item       text        NOT NULL,
    subject_id integer     NOT NULL REFERENCES subjects (id),
    rater      text        NOT NULL,
    role       text        NOT NULL,
    score      double precision NOT NULL,
    import_id  bigint      NOT NULL REFERENCES imports (id),
    seq        integer     NOT NULL,
    PRIMARY KEY (period, item, subject_id, rater)
);

CREATE TABLE indicator_sets (
    id         bigserial   PRIMARY KEY,
    set_id     text        NOT NULL,
    name       text        NOT NULL,
    version    text        NOT NULL,
    sha256     text        NOT NULL UNIQUE,
    yaml       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE batches (
    id             bigserial   PRIMARY KEY,
    set_version    bigint      NOT NULL REFERENCES indicator_sets (id),
    period         text        COLLATE "C" NOT NULL,
    data_sha256    text        NOT NULL,
    engine_version text        NOT NULL,
    generated_at   timestamptz NOT NULL,
    composites     text[]      NOT NULL,   -- composite node ids, tree order
    leaves         text[]      NOT NULL,   -- leaf ids, tree order
    subjects       integer     NOT NULL,
    rated          integer     NOT NULL,
    status         text        NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'approved', 'published')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL DEFAULT current_user,
    approved_at    timestamptz,
    approved_by    text,
    published_at   timestamptz,
    published_by   text,
    UNIQUE (set_version, period, data_sha256)
);
CREATE INDEX batches_period_idx ON batches (period);

-- batch_subjects: one row per subject, in output order (ord). The per-leaf
-- arrays are indexed like batches.leaves; NULL elements are missing values
-- or leaves that do not apply (status NULL).
CREATE TABLE batch_subjects (
    batch_id   bigint  NOT NULL REFERENCES batches (id),
    ord        integer NOT NULL,
    subject    text    NOT NULL,
    name       text    NOT NULL,
    kind       text    NOT NULL,
    peer_group text    NOT NULL,
    rated      boolean NOT NULL,
    rank       integer,
    score      double precision,
    grade      text,
    coverage   double precision,
    vetoed     boolean,
    nodes      jsonb   NOT NULL,           -- {"composite id": value or null}
    raw        double precision[] NOT NULL,
    value      double precision[] NOT NULL,
    status     text[]  NOT NULL,
    weight     double precision[] NOT NULL,
    PRIMARY KEY (batch_id, subject)
);

-- batch_cells shows the per-leaf arrays as one row per (subject, leaf).
CREATE VIEW batch_cells AS
SELECT s.batch_id, s.subject, b.leaves[i] AS leaf,
       s.raw[i] AS raw, s.value[i] AS value, s.status[i] AS status, s.weight[i] AS weight
FROM batch_subjects s
JOIN batches b ON b.id = s.batch_id
CROSS JOIN LATERAL generate_subscripts(b.leaves, 1) AS i
WHERE s.status[i] IS NOT NULL;

CREATE TABLE batch_warnings (
    batch_id bigint  NOT NULL REFERENCES batches (id),
    seq      integer NOT NULL,
    file     text    NOT NULL,
    line     integer NOT NULL,
    col      integer NOT NULL,
    peer_group text  NOT NULL,
    subject  text    NOT NULL,
    node     text    NOT NULL,
    message  text    NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

-- batch_files: the output files rendered when the batch ran (results.csv,
-- indicators.csv, results.json), gzip-compressed, in chunks.
CREATE TABLE batch_files (
    batch_id bigint  NOT NULL REFERENCES batches (id),
    name     text    NOT NULL,
    chunk    integer NOT NULL,
    data     bytea   NOT NULL,
    PRIMARY KEY (batch_id, name, chunk)
);

-- Lifecycle: draft → approved → published, and nothing changes a published
-- batch or its results. SQLSTATE GS001 = published batch, GS002 = bad
-- status transition.
CREATE FUNCTION govscore_batches_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'batch % is published and cannot be changed', OLD.id
            USING ERRCODE = 'GS001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.status <> OLD.status AND NOT (
        (OLD.status = 'draft' AND NEW.status = 'approved') OR
        (OLD.status = 'approved' AND NEW.status = 'published')) THEN
        RAISE EXCEPTION 'batch % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'GS002';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER batches_guard BEFORE UPDATE OR DELETE ON batches
    FOR EACH ROW EXECUTE FUNCTION govscore_batches_guard();

CREATE FUNCTION govscore_results_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM batches WHERE id = OLD.batch_id AND status <> 'draft') THEN
        RAISE EXCEPTION 'batch % is not a draft: its results cannot be changed', OLD.batch_id
            USING ERRCODE = 'GS001';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

-- Inserts are checked once per statement (COPY included), over the rows
-- inserted.
CREATE FUNCTION govscore_results_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b bigint;
BEGIN
    SELECT n.batch_id INTO b FROM (SELECT DISTINCT batch_id FROM inserted) n
    JOIN batches x ON x.id = n.batch_id WHERE x.status <> 'draft' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'batch % is not a draft: its results cannot be changed', b
            USING ERRCODE = 'GS001';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER batch_subjects_guard BEFORE UPDATE OR DELETE ON batch_subjects
    FOR EACH ROW EXECUTE FUNCTION govscore_results_guard();
CREATE TRIGGER batch_subjects_insert_guard AFTER INSERT ON batch_subjects
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_results_insert_guard();
CREATE TRIGGER batch_warnings_guard BEFORE UPDATE OR DELETE ON batch_warnings
    FOR EACH ROW EXECUTE FUNCTION govscore_results_guard();
CREATE TRIGGER batch_warnings_insert_guard AFTER INSERT ON batch_warnings
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_results_insert_guard();
CREATE TRIGGER batch_files_guard BEFORE UPDATE OR DELETE ON batch_files
    FOR EACH ROW EXECUTE FUNCTION govscore_results_guard();
CREATE TRIGGER batch_files_insert_guard AFTER INSERT ON batch_files
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_results_insert_guard();

CREATE FUNCTION govscore_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM batches WHERE status = 'published') THEN
        RAISE EXCEPTION 'published batches exist: % cannot be truncated', TG_TABLE_NAME
            USING ERRCODE = 'GS001';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER batches_no_truncate BEFORE TRUNCATE ON batches
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_no_truncate();
CREATE TRIGGER batch_subjects_no_truncate BEFORE TRUNCATE ON batch_subjects
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_no_truncate();
