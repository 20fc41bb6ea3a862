-- 0006: appeals (SPEC §9, issue 15): a subject contests one of its own
-- metric values, aggregated ratings or adjustments within the period's
-- appeal window; the office decides, and an accepted correction is a new
-- metric version whose submission is attributed to the appeal.

-- appeal_windows: when subjects may file appeals against a period, the
-- half-open interval [opens_at, closes_at), stored in UTC.
CREATE TABLE appeal_windows (
    period    text        COLLATE "C" PRIMARY KEY REFERENCES periods (period),
    opens_at  timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    set_by    text        NOT NULL,
    set_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (closes_at > opens_at)
);

-- appeals: one filed appeal. target names the metric, the item or the
-- adjustment of kind; disputed is the value at filing (NULL: missing or
-- not a single number); batch_id the published batch it disputes. The
-- attachment (optional) is stored here, its type checked by content.
CREATE TABLE appeals (
    id                bigserial   PRIMARY KEY,
    period            text        COLLATE "C" NOT NULL REFERENCES periods (period),
    subject           text        NOT NULL,
    account_id        bigint      NOT NULL REFERENCES accounts (id),
    kind              text        NOT NULL CHECK (kind IN ('metric', 'rating', 'adjustment')),
    target            text        NOT NULL,
    reason            text        NOT NULL CHECK (reason <> ''),
    disputed          double precision,
    batch_id          bigint      REFERENCES batches (id),
    attachment_name   text        NOT NULL DEFAULT '',
    attachment_type   text        NOT NULL DEFAULT '',
    attachment_sha256 text        NOT NULL DEFAULT '',
    attachment        bytea,
    filed_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((attachment IS NULL) = (attachment_type = ''))
);
CREATE INDEX appeals_subject_idx ON appeals (subject, id);

-- appeal_decisions: the one decision of an appeal. An accepted appeal with
-- a correction names the metric corrected, the value, and the submission
-- that holds the new metric version; an accepted rating appeal may
-- withdraw ratings found invalid (rating_submission_id holds the
-- withdrawals, never shown to the subject).
CREATE TABLE appeal_decisions (
    appeal_id     bigint      PRIMARY KEY REFERENCES appeals (id),
    accepted      boolean     NOT NULL,
    reason        text        NOT NULL CHECK (reason <> ''),
    metric        text        NOT NULL DEFAULT '',
    corrected     double precision,
    submission_id bigint      UNIQUE REFERENCES submissions (id),
    rating_submission_id bigint UNIQUE REFERENCES rating_submissions (id),
    decided_by    text        NOT NULL,
    decided_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (accepted OR (submission_id IS NULL AND rating_submission_id IS NULL))
);

-- appeal_runs: the batch runs started to recompute after an appeal.
CREATE TABLE appeal_runs (
    appeal_id bigint NOT NULL REFERENCES appeals (id),
    run_id    bigint NOT NULL REFERENCES runs (id),
    PRIMARY KEY (appeal_id, run_id)
);

CREATE TRIGGER appeals_append_only BEFORE UPDATE OR DELETE ON appeals
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER appeal_decisions_append_only BEFORE UPDATE OR DELETE ON appeal_decisions
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER appeal_runs_append_only BEFORE UPDATE OR DELETE ON appeal_runs
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
