-- SEC-06: the facts of a violation are never changed by hand; DAT-01: the one way to change
-- them is an approved data-modification request, carried out by the technology department
-- with before and after kept.

CREATE TABLE corrections (
    id               BIGSERIAL PRIMARY KEY,
    violation_id     BIGINT NOT NULL REFERENCES violations(id),
    unit_id          BIGINT NOT NULL REFERENCES units(id),
    unit_path        TEXT NOT NULL,
    changes          TEXT NOT NULL,          -- JSON [{field, before, after}]
    reason           TEXT NOT NULL,
    state            TEXT NOT NULL,          -- requested, approved, refused, executed
    requested_by     BIGINT NOT NULL REFERENCES users(id),
    requested_at     TIMESTAMPTZ NOT NULL,
    decided_by       BIGINT REFERENCES users(id),
    decided_at       TIMESTAMPTZ,
    decision_reason  TEXT NOT NULL DEFAULT '',
    executed_by      BIGINT REFERENCES users(id),
    executed_at      TIMESTAMPTZ
);
CREATE INDEX corrections_scope ON corrections(unit_path, state, id);
CREATE INDEX corrections_violation ON corrections(violation_id, id);

-- Kept in step with SQLite, which has no session settings: there the correction transaction
-- writes its request id here. On PostgreSQL it sets `roadwarden.correction` with SET LOCAL
-- (`set_config(..., true)`), which ends with the transaction.
CREATE TABLE correction_in_progress (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    request_id  BIGINT NOT NULL REFERENCES corrections(id)
);

-- A fact changes only for an approved correction of that very record named by the
-- transaction's setting.
CREATE FUNCTION violations_refuse_fact_change() RETURNS trigger AS $$
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
           WHERE c.id::text = current_setting('roadwarden.correction', true)
             AND c.violation_id = OLD.id AND c.state = 'approved')
    THEN
        RAISE EXCEPTION 'violation facts are immutable (SEC-06)';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER violations_facts_immutable BEFORE UPDATE OR DELETE ON violations
    FOR EACH ROW EXECUTE FUNCTION violations_refuse_fact_change();

CREATE FUNCTION violation_events_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'violation_events is append-only (SEC-06)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER violation_events_no_change BEFORE UPDATE OR DELETE ON violation_events
    FOR EACH ROW EXECUTE FUNCTION violation_events_refuse_change();
CREATE TRIGGER violation_events_no_truncate BEFORE TRUNCATE ON violation_events
    FOR EACH STATEMENT EXECUTE FUNCTION violation_events_refuse_change();
