-- SEC-06: the facts of a violation are never changed by hand; DAT-01: the one way to change
-- them is an approved data-modification request, carried out by the technology department
-- with before and after kept.

CREATE TABLE corrections (
    id               INTEGER PRIMARY KEY,
    violation_id     INTEGER NOT NULL REFERENCES violations(id),
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    unit_path        TEXT NOT NULL,
    changes          TEXT NOT NULL,          -- JSON [{field, before, after}]
    reason           TEXT NOT NULL,
    state            TEXT NOT NULL,          -- requested, approved, refused, executed
    requested_by     INTEGER NOT NULL REFERENCES users(id),
    requested_at     TEXT NOT NULL,
    decided_by       INTEGER REFERENCES users(id),
    decided_at       TEXT,
    decision_reason  TEXT NOT NULL DEFAULT '',
    executed_by      INTEGER REFERENCES users(id),
    executed_at      TEXT
);
CREATE INDEX corrections_scope ON corrections(unit_path, state, id);
CREATE INDEX corrections_violation ON corrections(violation_id, id);

-- The correction being carried out by the open transaction: written and cleared by it, so it
-- is empty outside one. The trigger below lets a fact change only for an approved correction
-- of that very record.
CREATE TABLE correction_in_progress (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    request_id  INTEGER NOT NULL REFERENCES corrections(id)
);

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
                    WHERE c.violation_id = OLD.id AND c.state = 'approved')
BEGIN
    SELECT RAISE(ABORT, 'violation facts are immutable (SEC-06)');
END;
CREATE TRIGGER violations_no_delete BEFORE DELETE ON violations
BEGIN
    SELECT RAISE(ABORT, 'violation facts are immutable (SEC-06)');
END;
CREATE TRIGGER violation_events_no_update BEFORE UPDATE ON violation_events
BEGIN
    SELECT RAISE(ABORT, 'violation_events is append-only (SEC-06)');
END;
CREATE TRIGGER violation_events_no_delete BEFORE DELETE ON violation_events
BEGIN
    SELECT RAISE(ABORT, 'violation_events is append-only (SEC-06)');
END;
