-- RID-13: the cockpit counts the review backlog and today's captures at a province scope every
-- few seconds. Counting a million queue entries on each refresh took 80-160 ms; these two
-- tables keep the counts as the captures change, so a refresh reads a few hundred rows.
-- Triggers maintain them, so every path that writes a capture (ingest, review, import, jobs,
-- a hand-run statement) keeps them right. Hours are UTC, as 'YYYY-MM-DDTHH' (the first 13
-- characters of the stored RFC 3339 text); a capture with no review deadline counts under
-- '9999', never overdue.

-- The review queue (state pending or second_review) by unit and the hour its deadline falls in.
-- Rows at zero are removed, so the table holds only hours that still have work.
CREATE TABLE review_backlog_hours (
    unit_path TEXT NOT NULL,
    due_hour  TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (unit_path, due_hour)
) WITHOUT ROWID;

INSERT INTO review_backlog_hours (unit_path, due_hour, n)
    SELECT unit_path, COALESCE(substr(review_due_at, 1, 13), '9999'), COUNT(*) FROM captures
    WHERE state IN ('pending', 'second_review') GROUP BY 1, 2;

CREATE TRIGGER captures_backlog_insert AFTER INSERT ON captures
WHEN NEW.state IN ('pending', 'second_review')
BEGIN
    INSERT INTO review_backlog_hours (unit_path, due_hour, n)
    VALUES (NEW.unit_path, COALESCE(substr(NEW.review_due_at, 1, 13), '9999'), 1)
    ON CONFLICT (unit_path, due_hour) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER captures_backlog_leave AFTER UPDATE OF state, unit_path, review_due_at ON captures
WHEN OLD.state IN ('pending', 'second_review')
    AND (NEW.state IS NOT OLD.state OR NEW.unit_path IS NOT OLD.unit_path
         OR NEW.review_due_at IS NOT OLD.review_due_at)
BEGIN
    UPDATE review_backlog_hours SET n = n - 1
    WHERE unit_path = OLD.unit_path
      AND due_hour = COALESCE(substr(OLD.review_due_at, 1, 13), '9999');
    DELETE FROM review_backlog_hours
    WHERE unit_path = OLD.unit_path
      AND due_hour = COALESCE(substr(OLD.review_due_at, 1, 13), '9999') AND n <= 0;
END;

CREATE TRIGGER captures_backlog_join AFTER UPDATE OF state, unit_path, review_due_at ON captures
WHEN NEW.state IN ('pending', 'second_review')
    AND (NEW.state IS NOT OLD.state OR NEW.unit_path IS NOT OLD.unit_path
         OR NEW.review_due_at IS NOT OLD.review_due_at)
BEGIN
    INSERT INTO review_backlog_hours (unit_path, due_hour, n)
    VALUES (NEW.unit_path, COALESCE(substr(NEW.review_due_at, 1, 13), '9999'), 1)
    ON CONFLICT (unit_path, due_hour) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER captures_backlog_delete AFTER DELETE ON captures
WHEN OLD.state IN ('pending', 'second_review')
BEGIN
    UPDATE review_backlog_hours SET n = n - 1
    WHERE unit_path = OLD.unit_path
      AND due_hour = COALESCE(substr(OLD.review_due_at, 1, 13), '9999');
    DELETE FROM review_backlog_hours
    WHERE unit_path = OLD.unit_path
      AND due_hour = COALESCE(substr(OLD.review_due_at, 1, 13), '9999') AND n <= 0;
END;

-- Captures by device and the UTC hour they were taken in (today's captures on the cockpit).
-- A public report (REV-05) has no device and is not counted here.
CREATE TABLE capture_device_hours (
    device_id INTEGER NOT NULL,
    hour      TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (device_id, hour)
) WITHOUT ROWID;

INSERT INTO capture_device_hours (device_id, hour, n)
    SELECT device_id, substr(captured_at, 1, 13), COUNT(*) FROM captures
    WHERE device_id IS NOT NULL GROUP BY 1, 2;

CREATE TRIGGER captures_hours_insert AFTER INSERT ON captures
WHEN NEW.device_id IS NOT NULL
BEGIN
    INSERT INTO capture_device_hours (device_id, hour, n)
    VALUES (NEW.device_id, substr(NEW.captured_at, 1, 13), 1)
    ON CONFLICT (device_id, hour) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER captures_hours_move AFTER UPDATE OF device_id, captured_at ON captures
WHEN NEW.device_id IS NOT OLD.device_id OR NEW.captured_at IS NOT OLD.captured_at
BEGIN
    UPDATE capture_device_hours SET n = n - 1
    WHERE device_id = OLD.device_id AND hour = substr(OLD.captured_at, 1, 13);
    DELETE FROM capture_device_hours
    WHERE device_id = OLD.device_id AND hour = substr(OLD.captured_at, 1, 13) AND n <= 0;
    INSERT INTO capture_device_hours (device_id, hour, n)
    SELECT NEW.device_id, substr(NEW.captured_at, 1, 13), 1 WHERE NEW.device_id IS NOT NULL
    ON CONFLICT (device_id, hour) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER captures_hours_delete AFTER DELETE ON captures
BEGIN
    UPDATE capture_device_hours SET n = n - 1
    WHERE device_id = OLD.device_id AND hour = substr(OLD.captured_at, 1, 13);
    DELETE FROM capture_device_hours
    WHERE device_id = OLD.device_id AND hour = substr(OLD.captured_at, 1, 13) AND n <= 0;
END;
