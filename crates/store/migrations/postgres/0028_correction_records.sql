-- DAT-01: a data-modification request names one or more records, each with its fields and
-- values before and after, and carries attachments (PDF, JPEG, PNG kept write-once in the
-- blob store). `corrections` stays the request (who asked, why, who decided and carried it
-- out); its violation_id and changes keep naming the first record for older readers, and its
-- unit is the lowest unit covering every record. A request made before this migration
-- becomes a request of one record.

CREATE TABLE correction_records (
    id             BIGSERIAL PRIMARY KEY,
    correction_id  BIGINT NOT NULL REFERENCES corrections(id),
    position       INTEGER NOT NULL,
    violation_id   BIGINT NOT NULL REFERENCES violations(id),
    unit_id        BIGINT NOT NULL REFERENCES units(id),
    unit_path      TEXT NOT NULL,
    changes        TEXT NOT NULL,          -- JSON [{field, before, after}]
    UNIQUE (correction_id, position),
    UNIQUE (correction_id, violation_id)
);
CREATE INDEX correction_records_violation ON correction_records(violation_id, correction_id);

INSERT INTO correction_records (correction_id, position, violation_id, unit_id, unit_path, changes)
    SELECT id, 0, violation_id, unit_id, unit_path, changes FROM corrections;

CREATE TABLE correction_attachments (
    id             BIGSERIAL PRIMARY KEY,
    correction_id  BIGINT NOT NULL REFERENCES corrections(id),
    position       INTEGER NOT NULL,
    file_name      TEXT NOT NULL,
    mime           TEXT NOT NULL,          -- application/pdf, image/jpeg or image/png
    bytes          BIGINT NOT NULL,
    sha256         TEXT NOT NULL,          -- the blob's id
    added_by       BIGINT NOT NULL REFERENCES users(id),
    added_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (correction_id, position)
);

-- An attachment is part of the request as filed: never changed, never removed.
CREATE FUNCTION correction_attachments_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'correction attachments are write-once (DAT-01)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER correction_attachments_no_change BEFORE UPDATE OR DELETE ON correction_attachments
    FOR EACH ROW EXECUTE FUNCTION correction_attachments_refuse_change();
CREATE TRIGGER correction_attachments_no_truncate BEFORE TRUNCATE ON correction_attachments
    FOR EACH STATEMENT EXECUTE FUNCTION correction_attachments_refuse_change();

-- SEC-06: the same guard as migration 0017, now letting a fact change for an approved request
-- that names the record among its records (every request has its records here, the old ones
-- included). Anything else is still refused; the trigger itself is unchanged.
CREATE OR REPLACE FUNCTION violations_refuse_fact_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'violation facts are immutable (SEC-06)';
    END IF;
    IF (NEW.capture_id, NEW.country, NEW.plate, NEW.plate_key, NEW.plate_colour,
        NEW.violation_code, NEW.occurred_at, NEW.place, NEW.fine_minor, NEW.currency,
        NEW.points, NEW.procedure, NEW.entered_at)
       IS DISTINCT FROM
       (OLD.capture_id, OLD.country, OLD.plate, OLD.plate_key, OLD.plate_colour,
        OLD.violation_code, OLD.occurred_at, OLD.place, OLD.fine_minor, OLD.currency,
        OLD.points, OLD.procedure, OLD.entered_at)
       AND NOT EXISTS (
           SELECT 1 FROM corrections c
           JOIN correction_records r ON r.correction_id = c.id
           WHERE c.id::text = current_setting('roadwarden.correction', true)
             AND r.violation_id = OLD.id AND c.state = 'approved')
    THEN
        RAISE EXCEPTION 'violation facts are immutable (SEC-06)';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
