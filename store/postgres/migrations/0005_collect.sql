-- 0005: collection on the server (SPEC §9, issue 15): provider uploads
-- awaiting confirmation, rating rounds, rater tokens and their sealed
-- questionnaires.

-- upload_drafts: a provider's parsed upload between its preview and its
-- confirmation. The cells are the parsed values (JSON), checked again
-- against the period when confirmed; a draft is used once.
CREATE TABLE upload_drafts (
    id         bigserial   PRIMARY KEY,
    account_id bigint      NOT NULL REFERENCES accounts (id),
    period     text        COLLATE "C" NOT NULL REFERENCES periods (period),
    file       text        NOT NULL,
    sha256     text        NOT NULL,
    bytes      bigint      NOT NULL,
    cells      jsonb       NOT NULL,
    used       boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- rating_rounds: the admin's rating rounds. subjects are the subjects to
-- rate; allow_self lets a subject's own account rate itself (role self);
-- peers lets the subject accounts of subjects rate the others (two-way).
CREATE TABLE rating_rounds (
    id          bigserial   PRIMARY KEY,
    item        text        NOT NULL,
    role        text        NOT NULL,
    period      text        COLLATE "C" NOT NULL REFERENCES periods (period),
    subjects    text[]      NOT NULL,
    peers       boolean     NOT NULL DEFAULT false,
    allow_self  boolean     NOT NULL DEFAULT false,
    status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz,
    ratings     integer     NOT NULL DEFAULT 0,   -- ratings stored at closing
    CHECK (cardinality(subjects) > 0)
);

-- rater_keys: one questionnaire that may be submitted once: a rater token
-- (key_hash = SHA-256 of the token, which is never stored) or a subject
-- account's questionnaire of a peer round (key_hash = SHA-256 of a
-- server-derived string). pending holds saved answers until submission;
-- on submission it is cleared and only submitted = true remains: the
-- answers go to sealed_answers, which names no key. No timestamps here,
-- so that no row says when a key was used.
CREATE TABLE rater_keys (
    key_hash  bytea   PRIMARY KEY,
    round_id  bigint  NOT NULL REFERENCES rating_rounds (id),
    kind      text    NOT NULL CHECK (kind IN ('token', 'account')),
    subject   text    NOT NULL DEFAULT '',   -- kind account: the rater's own subject
    pending   jsonb,
    submitted boolean NOT NULL DEFAULT false
);
CREATE INDEX rater_keys_round_idx ON rater_keys (round_id);

-- sealed_answers: submitted questionnaires, without the key, the time or
-- an ordered id (a random uuid): nothing links one to its token. answers
-- maps subject → score; self, when not '', is the subject the rater is
-- (its rating of itself goes in with role self). Deleted once the round
-- is closed and the answers are stored as ratings.
CREATE TABLE sealed_answers (
    id       uuid    PRIMARY KEY DEFAULT gen_random_uuid(),
    round_id bigint  NOT NULL REFERENCES rating_rounds (id),
    self     text    NOT NULL DEFAULT '',
    answers  jsonb   NOT NULL
);
CREATE INDEX sealed_answers_round_idx ON sealed_answers (round_id);
