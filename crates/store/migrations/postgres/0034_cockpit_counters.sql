-- RID-13: the cockpit counts the review backlog and today's captures at a province scope every
-- few seconds. Counting a million queue entries on each refresh took 110-140 ms; these two
-- tables keep the counts as the captures change, so a refresh reads a few hundred rows.
-- Triggers maintain them, so every path that writes a capture (ingest, review, import, jobs,
-- a hand-run statement) keeps them right. Hours are UTC, as 'YYYY-MM-DDTHH'; a capture with no
-- review deadline counts under '9999', never overdue. Writers of one unit's queue already line
-- up behind the audit chain's head row, so the counter rows add no new waiting.

-- The review queue (state pending or second_review) by unit and the hour its deadline falls in.
-- Rows at zero are removed, so the table holds only hours that still have work.
CREATE TABLE review_backlog_hours (
    unit_path TEXT COLLATE "C" NOT NULL,
    due_hour  TEXT COLLATE "C" NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (unit_path, due_hour)
);

CREATE FUNCTION utc_hour(t TIMESTAMPTZ) RETURNS TEXT AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24')
$$ LANGUAGE sql IMMUTABLE;

INSERT INTO review_backlog_hours (unit_path, due_hour, n)
    SELECT unit_path, COALESCE(utc_hour(review_due_at), '9999'), COUNT(*) FROM captures
    WHERE state IN ('pending', 'second_review') GROUP BY 1, 2;

CREATE FUNCTION review_backlog_track() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state IN ('pending', 'second_review') THEN
        UPDATE review_backlog_hours SET n = n - 1
        WHERE unit_path = OLD.unit_path AND due_hour = COALESCE(utc_hour(OLD.review_due_at), '9999');
        DELETE FROM review_backlog_hours
        WHERE unit_path = OLD.unit_path AND due_hour = COALESCE(utc_hour(OLD.review_due_at), '9999')
          AND n <= 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state IN ('pending', 'second_review') THEN
        INSERT INTO review_backlog_hours (unit_path, due_hour, n)
        VALUES (NEW.unit_path, COALESCE(utc_hour(NEW.review_due_at), '9999'), 1)
        ON CONFLICT (unit_path, due_hour) DO UPDATE SET n = review_backlog_hours.n + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER captures_backlog_insert AFTER INSERT ON captures
    FOR EACH ROW WHEN (NEW.state IN ('pending', 'second_review'))
    EXECUTE FUNCTION review_backlog_track();
CREATE TRIGGER captures_backlog_update AFTER UPDATE OF state, unit_path, review_due_at ON captures
    FOR EACH ROW WHEN ((OLD.state, OLD.unit_path, OLD.review_due_at)
                       IS DISTINCT FROM (NEW.state, NEW.unit_path, NEW.review_due_at))
    EXECUTE FUNCTION review_backlog_track();
CREATE TRIGGER captures_backlog_delete AFTER DELETE ON captures
    FOR EACH ROW WHEN (OLD.state IN ('pending', 'second_review'))
    EXECUTE FUNCTION review_backlog_track();

-- Captures by device and the UTC hour they were taken in (today's captures on the cockpit).
-- A public report (REV-05) has no device and is not counted here.
CREATE TABLE capture_device_hours (
    device_id BIGINT NOT NULL,
    hour      TEXT COLLATE "C" NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (device_id, hour)
);

INSERT INTO capture_device_hours (device_id, hour, n)
    SELECT device_id, utc_hour(captured_at), COUNT(*) FROM captures
    WHERE device_id IS NOT NULL GROUP BY 1, 2;

CREATE FUNCTION capture_hours_track() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE capture_device_hours SET n = n - 1
        WHERE device_id = OLD.device_id AND hour = utc_hour(OLD.captured_at);
        DELETE FROM capture_device_hours
        WHERE device_id = OLD.device_id AND hour = utc_hour(OLD.captured_at) AND n <= 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.device_id IS NOT NULL THEN
        INSERT INTO capture_device_hours (device_id, hour, n)
        VALUES (NEW.device_id, utc_hour(NEW.captured_at), 1)
        ON CONFLICT (device_id, hour) DO UPDATE SET n = capture_device_hours.n + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER captures_hours_insert AFTER INSERT ON captures
    FOR EACH ROW EXECUTE FUNCTION capture_hours_track();
CREATE TRIGGER captures_hours_update AFTER UPDATE OF device_id, captured_at ON captures
    FOR EACH ROW WHEN ((OLD.device_id, OLD.captured_at) IS DISTINCT FROM (NEW.device_id, NEW.captured_at))
    EXECUTE FUNCTION capture_hours_track();
CREATE TRIGGER captures_hours_delete AFTER DELETE ON captures
    FOR EACH ROW EXECUTE FUNCTION capture_hours_track();
