-- DAT-01: a data-modification request names one or more records, each with its fields and
-- values before and after, and carries attachments (PDF, JPEG, PNG kept write-once in the
-- blob store). `corrections` stays the request (who asked, why, who decided and carried it
-- out); its violation_id and changes keep naming the first record for older readers, and its
-- unit is the lowest unit covering every record. A request made before this migration
-- becomes a request of one record.

CREATE TABLE correction_records (
    id             INTEGER PRIMARY KEY,
    correction_id  INTEGER NOT NULL REFERENCES corrections(id),
    position       INTEGER NOT NULL,
    violation_id   INTEGER NOT NULL REFERENCES violations(id),
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    unit_path      TEXT NOT NULL,
    changes        TEXT NOT NULL,          -- JSON [{field, before, after}]
    UNIQUE (correction_id, position),
    UNIQUE (correction_id, violation_id)
);
CREATE INDEX correction_records_violation ON correction_records(violation_id, correction_id);

INSERT INTO correction_records (correction_id, position, violation_id, unit_id, unit_path, changes)
    SELECT id, 0, violation_id, unit_id, unit_path, changes FROM corrections;

CREATE TABLE correction_attachments (
    id             INTEGER PRIMARY KEY,
    correction_id  INTEGER NOT NULL REFERENCES corrections(id),
    position       INTEGER NOT NULL,
    file_name      TEXT NOT NULL,
    mime           TEXT NOT NULL,          -- application/pdf, image/jpeg or image/png
    bytes          INTEGER NOT NULL,
    sha256         TEXT NOT NULL,          -- the blob's id
    added_by       INTEGER NOT NULL REFERENCES users(id),
    added_at       TEXT NOT NULL,
    UNIQUE (correction_id, position)
);

-- An attachment is part of the request as filed: never changed, never removed.
CREATE TRIGGER correction_attachments_no_update BEFORE UPDATE ON correction_attachments
BEGIN
    SELECT RAISE(ABORT, 'correction attachments are write-once (DAT-01)');
END;
CREATE TRIGGER correction_attachments_no_delete BEFORE DELETE ON correction_attachments
BEGIN
    SELECT RAISE(ABORT, 'correction attachments are write-once (DAT-01)');
END;

-- SEC-06: the same guard as migration 0017, now letting a fact change for an approved request
-- that names the record among its records (every request has its records here, the old ones
-- included). Anything else is still refused.
DROP TRIGGER violations_facts_immutable;
CREATE TRIGGER violations_facts_immutable BEFORE UPDATE OF capture_id, country, plate, plate_key,
    plate_colour, violation_code, occurred_at, place, fine_minor, currency, points, procedure,
    entered_at ON violations
WHEN (NEW.capture_id IS NOT OLD.capture_id OR NEW.country IS NOT OLD.country
        OR NEW.plate IS NOT OLD.plate OR NEW.plate_key IS NOT OLD.plate_key
        OR NEW.plate_colour IS NOT OLD.plate_colour OR NEW.violation_code IS NOT OLD.violation_code
        OR NEW.occurred_at IS NOT OLD.occurred_at OR NEW.place IS NOT OLD.place
        OR NEW.fine_minor IS NOT OLD.fine_minor OR NEW.currency IS NOT OLD.currency
        OR NEW.points IS NOT OLD.points OR NEW.procedure IS NOT OLD.procedure
        OR NEW.entered_at IS NOT OLD.entered_at)
    AND NOT EXISTS (SELECT 1 FROM correction_in_progress p
                    JOIN corrections c ON c.id = p.request_id
                    JOIN correction_records r ON r.correction_id = c.id
                    WHERE r.violation_id = OLD.id AND c.state = 'approved')
BEGIN
    SELECT RAISE(ABORT, 'violation facts are immutable (SEC-06)');
END;
