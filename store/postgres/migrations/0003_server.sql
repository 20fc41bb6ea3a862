-- 0003: the server of record (SPEC §9): accounts and sessions, periods,
-- versioned metric values, batch runs and the versions they read, the
-- indicator set in force, and the append-only audit log.

CREATE TABLE accounts (
    id         bigserial   PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    role       text        NOT NULL CHECK (role IN ('admin', 'provider', 'assessor', 'subject')),
    provider   text        NOT NULL DEFAULT '',   -- role provider: the `provider:` it submits for
    subject    text        NOT NULL DEFAULT '',   -- role subject: the subject id it is
    items      text[]      NOT NULL DEFAULT '{}', -- role assessor: the items it rates
    pw_hash    text        NOT NULL,              -- $argon2id$v=19$m=…,t=…,p=…$salt$hash
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'provider' OR provider <> ''),
    CHECK (role <> 'subject' OR subject <> '')
);

-- sessions: a browser cookie or a bearer token. id_hash is the SHA-256 of
-- the 256-bit random token the client holds; the token itself is never
-- stored. csrf is the form token of the session.
CREATE TABLE sessions (
    id_hash    bytea       PRIMARY KEY,
    account_id bigint      NOT NULL REFERENCES accounts (id),
    kind       text        NOT NULL CHECK (kind IN ('cookie', 'bearer')),
    csrf       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

CREATE TABLE periods (
    period     text        COLLATE "C" PRIMARY KEY,
    status     text        NOT NULL CHECK (status IN ('open', 'locked')),
    updated_by text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- server_sets: the indicator set in force is the latest row.
CREATE TABLE server_sets (
    id         bigserial   PRIMARY KEY,
    set_version bigint     NOT NULL REFERENCES indicator_sets (id),
    set_by     text        NOT NULL,
    set_at     timestamptz NOT NULL DEFAULT now()
);

-- submissions: one accepted PUT of metric values (a file or request).
CREATE TABLE submissions (
    id         bigserial   PRIMARY KEY,
    account_id bigint      NOT NULL REFERENCES accounts (id),
    period     text        COLLATE "C" NOT NULL REFERENCES periods (period),
    file       text        NOT NULL,
    sha256     text        NOT NULL,
    bytes      bigint      NOT NULL,
    added      integer     NOT NULL,
    changed    integer     NOT NULL,
    unchanged  integer     NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- metric_versions: every value ever submitted. A new value for a cell is a
-- new row naming the row it replaces; the current value of a cell is its
-- one row that nothing replaces. value NULL is a missing token.
CREATE TABLE metric_versions (
    id            bigserial   PRIMARY KEY,
    period        text        COLLATE "C" NOT NULL,
    subject       text        NOT NULL,
    metric        text        NOT NULL,
    value         double precision,
    submission_id bigint      NOT NULL REFERENCES submissions (id),
    replaces      bigint      UNIQUE REFERENCES metric_versions (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- One first version per cell; with UNIQUE (replaces), a cell's versions
-- form one chain.
CREATE UNIQUE INDEX metric_versions_first_idx ON metric_versions (period, subject, metric) WHERE replaces IS NULL;
CREATE INDEX metric_versions_cell_idx ON metric_versions (period, subject, metric, id);

-- runs: a batch started from the server (POST /api/v1/batches). batch_id
-- is set in the transaction that stores the batch, so a run is either
-- without a batch or with a whole one.
CREATE TABLE runs (
    id          bigserial   PRIMARY KEY,
    period      text        COLLATE "C" NOT NULL,
    status      text        NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress    double precision NOT NULL DEFAULT 0,
    stage       text        NOT NULL DEFAULT '',
    error       text        NOT NULL DEFAULT '',
    batch_id    bigint      UNIQUE REFERENCES batches (id),
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

-- run_inputs: the metric versions a run read.
CREATE TABLE run_inputs (
    run_id     bigint NOT NULL REFERENCES runs (id),
    version_id bigint NOT NULL REFERENCES metric_versions (id),
    PRIMARY KEY (run_id, version_id)
);

-- audit_log: every write through the server. Append-only: the triggers
-- below refuse UPDATE, DELETE and TRUNCATE whoever connects (SQLSTATE
-- GS003).
CREATE TABLE audit_log (
    id            bigserial   PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text        NOT NULL,
    action        text        NOT NULL,
    object        text        NOT NULL,
    digest_before text        NOT NULL DEFAULT '',
    digest_after  text        NOT NULL DEFAULT '',
    detail        jsonb       NOT NULL DEFAULT '{}'
);

CREATE FUNCTION govscore_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'GS003';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER metric_versions_append_only BEFORE UPDATE OR DELETE ON metric_versions
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER metric_versions_no_truncate BEFORE TRUNCATE ON metric_versions
    FOR EACH STATEMENT EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER submissions_append_only BEFORE UPDATE OR DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
CREATE TRIGGER run_inputs_append_only BEFORE UPDATE OR DELETE ON run_inputs
    FOR EACH ROW EXECUTE FUNCTION govscore_append_only();
