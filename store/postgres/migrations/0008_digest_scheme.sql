-- 0008: batches.digest_scheme, how batches.sha256 was computed. NULL
-- (every batch stored before, and batches stored through COPY's text
-- format): scheme 1, the server hashes every batch_subjects row in its
-- text form. 2: govscore hashes the rows in a canonical binary form while
-- it sends them and the server adds that hash to the rest of the digest
-- (store/postgres digest2.go); Verify recomputes it from the stored rows.
-- The scheme is set with the digest, once, and never changes after.
ALTER TABLE batches ADD COLUMN digest_scheme smallint;

CREATE FUNCTION govscore_digest_scheme_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.digest_scheme IS NOT NULL THEN
            RAISE EXCEPTION 'a batch is stored without a digest scheme: it is set with its digest'
                USING ERRCODE = 'GS001';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.digest_scheme IS DISTINCT FROM OLD.digest_scheme
       AND NOT (OLD.sha256 IS NULL AND NEW.sha256 IS NOT NULL AND OLD.status = 'draft' AND NEW.status = 'draft') THEN
        RAISE EXCEPTION 'batch %: its digest scheme is set once, with its digest', OLD.id
            USING ERRCODE = 'GS001';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER batches_digest_scheme_guard BEFORE INSERT OR UPDATE ON batches
    FOR EACH ROW EXECUTE FUNCTION govscore_digest_scheme_guard();
