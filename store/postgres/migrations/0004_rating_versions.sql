-- 0004: ratings as versioned data of record (SPEC §9), like the metric
-- values of 0003: every rating ever submitted is a row that names the row
-- it replaces; a run records the rating versions it read, and the digest
-- of everything it read.

-- rating_submissions: one accepted submission of ratings (a file, an API
-- request, a questionnaire, an appeal decision). account_id is NULL when
-- the submitter is not an account (a rater token); actor names it anyway.
CREATE TABLE rating_submissions (
    id         bigserial   PRIMARY KEY,
    account_id bigint      REFERENCES accounts (id),
    actor      text        NOT NULL,
    period     text        COLLATE "C" NOT NULL REFERENCES periods (period),
    file       text        NOT NULL,
    sha256     text        NOT NULL,
    bytes      bigint      NOT NULL,
    added      integer     NOT NULL,
    changed    integer     NOT NULL,
    unchanged  integer     NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- rating_versions: every rating ever submitted, keyed by (period, item,
-- subject, rater). score NULL withdraws the rating (the key has no current
-- rating while its latest version is a withdrawal). seq keeps the order of
-- the rows within their submission (the order assess.Combine reads them).
CREATE TABLE rating_versions (
    id            bigserial   PRIMARY KEY,
    period        text        COLLATE "C" NOT NULL,
    item          text        NOT NULL,
    subject       text        NOT NULL,
    rater         text        NOT NULL,
    role          text        NOT NULL,
    score         double precision,
    seq           integer     NOT NULL,
    submission_id bigint      NOT NULL REFERENCES rating_submissions (id),
    replaces      bigint      UNIQUE REFERENCES rating_versions (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX rating_versions_first_idx ON rating_versions (period, item, subject, rater) WHERE replaces IS NULL;
CREATE INDEX rating_versions_key_idx ON rating_versions (period, item, subject, rater, id);

-- run_rating_inputs: the rating versions a run read (run_inputs holds the
-- metric versions).
CREATE TABLE run_rating_inputs (
    run_id     bigint NOT NULL REFERENCES runs (id),
    version_id bigint NOT NULL REFERENCES rating_versions (id),
    PRIMARY KEY (run_id, version_id)
);

-- inputs_sha256: the SHA-256 of the list of versions the run read (see
-- store/postgres/server_ratings.go, inputsDigest); '' until it read them.
ALTER TABLE runs ADD COLUMN inputs_sha256 text NOT NULL DEFAULT '';

-- Append-only, whoever connects (SQLSTATE GS003), TRUNCATE included; the
-- tables of 0003 that lacked a TRUNCATE trigger get one too.
CREATE TRIGGER rating_submissions_append_only BEFORE UPDATE OR DELETE ON rating_submissions
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER rating_versions_append_only BEFORE UPDATE OR DELETE ON rating_versions
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER run_rating_inputs_append_only BEFORE UPDATE OR DELETE ON run_rating_inputs
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER rating_submissions_no_truncate BEFORE TRUNCATE ON rating_submissions
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER rating_versions_no_truncate BEFORE TRUNCATE ON rating_versions
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER run_rating_inputs_no_truncate BEFORE TRUNCATE ON run_rating_inputs
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER submissions_no_truncate BEFORE TRUNCATE ON submissions
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER run_inputs_no_truncate BEFORE TRUNCATE ON run_inputs
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_append_only();

-- explain: how a subject's score and grade came about beyond its node
-- values — the root value before adjustments, each applying adjustment's
-- effect (held, points, capped), the grade by score and the reasoning
-- to the grade, the unrated rule — as JSON written with the batch (see
-- store/postgres/explain.go). NULL for batches stored before this
-- migration; the batch digest covers it when it is not NULL.
ALTER TABLE batch_subjects ADD COLUMN explain jsonb;
