-- SUP-02: the monthly analysis reads a year of each device's captures grouped by UTC hour,
-- state and rejection reason. Grouping tens of millions of captures on every run took most of
-- a minute; this table keeps those groups as the captures change, so a run reads them
-- instead. It replaces 0034's per-device hour counts (the cockpit sums these groups), so a
-- capture still costs one kept row on ingest; a review decision moves it between groups.
-- Hours are UTC, as 'YYYY-MM-DDTHH' (the first 13 characters of the stored RFC 3339 text). A
-- public report (REV-05) has no device and is not counted.

DROP TRIGGER captures_hours_insert;
DROP TRIGGER captures_hours_move;
DROP TRIGGER captures_hours_delete;
DROP TABLE capture_device_hours;

CREATE TABLE capture_hour_groups (
    device_id    INTEGER NOT NULL,
    hour         TEXT NOT NULL,
    state        TEXT NOT NULL,
    reason       TEXT NOT NULL,     -- the REV-03 code, '' when not rejected
    n            INTEGER NOT NULL,
    unidentified INTEGER NOT NULL,  -- without an identifiable plate
    second       INTEGER NOT NULL,  -- with a first reviewer recorded (a second look)
    PRIMARY KEY (device_id, hour, state, reason)
) WITHOUT ROWID;

INSERT INTO capture_hour_groups (device_id, hour, state, reason, n, unidentified, second)
    SELECT device_id, substr(captured_at, 1, 13), state, COALESCE(reject_reason, ''), COUNT(*),
           SUM(CASE WHEN plate = '' THEN 1 ELSE 0 END),
           SUM(CASE WHEN first_reviewer IS NOT NULL THEN 1 ELSE 0 END)
    FROM captures WHERE device_id IS NOT NULL GROUP BY 1, 2, 3, 4;

CREATE TRIGGER captures_groups_insert AFTER INSERT ON captures
WHEN NEW.device_id IS NOT NULL
BEGIN
    INSERT INTO capture_hour_groups (device_id, hour, state, reason, n, unidentified, second)
    VALUES (NEW.device_id, substr(NEW.captured_at, 1, 13), NEW.state,
            COALESCE(NEW.reject_reason, ''), 1,
            CASE WHEN NEW.plate = '' THEN 1 ELSE 0 END,
            CASE WHEN NEW.first_reviewer IS NOT NULL THEN 1 ELSE 0 END)
    ON CONFLICT (device_id, hour, state, reason) DO UPDATE SET n = n + 1,
        unidentified = unidentified + excluded.unidentified, second = second + excluded.second;
END;

CREATE TRIGGER captures_groups_move
AFTER UPDATE OF device_id, captured_at, state, reject_reason, plate, first_reviewer ON captures
WHEN NEW.device_id IS NOT OLD.device_id OR NEW.captured_at IS NOT OLD.captured_at
    OR NEW.state IS NOT OLD.state OR NEW.reject_reason IS NOT OLD.reject_reason
    OR NEW.plate IS NOT OLD.plate OR NEW.first_reviewer IS NOT OLD.first_reviewer
BEGIN
    UPDATE capture_hour_groups SET n = n - 1,
        unidentified = unidentified - CASE WHEN OLD.plate = '' THEN 1 ELSE 0 END,
        second = second - CASE WHEN OLD.first_reviewer IS NOT NULL THEN 1 ELSE 0 END
    WHERE device_id = OLD.device_id AND hour = substr(OLD.captured_at, 1, 13)
      AND state = OLD.state AND reason = COALESCE(OLD.reject_reason, '');
    DELETE FROM capture_hour_groups
    WHERE device_id = OLD.device_id AND hour = substr(OLD.captured_at, 1, 13)
      AND state = OLD.state AND reason = COALESCE(OLD.reject_reason, '') AND n <= 0;
    INSERT INTO capture_hour_groups (device_id, hour, state, reason, n, unidentified, second)
    SELECT NEW.device_id, substr(NEW.captured_at, 1, 13), NEW.state,
           COALESCE(NEW.reject_reason, ''), 1,
           CASE WHEN NEW.plate = '' THEN 1 ELSE 0 END,
           CASE WHEN NEW.first_reviewer IS NOT NULL THEN 1 ELSE 0 END
    WHERE NEW.device_id IS NOT NULL
    ON CONFLICT (device_id, hour, state, reason) DO UPDATE SET n = n + 1,
        unidentified = unidentified + excluded.unidentified, second = second + excluded.second;
END;

CREATE TRIGGER captures_groups_delete AFTER DELETE ON captures
WHEN OLD.device_id IS NOT NULL
BEGIN
    UPDATE capture_hour_groups SET n = n - 1,
        unidentified = unidentified - CASE WHEN OLD.plate = '' THEN 1 ELSE 0 END,
        second = second - CASE WHEN OLD.first_reviewer IS NOT NULL THEN 1 ELSE 0 END
    WHERE device_id = OLD.device_id AND hour = substr(OLD.captured_at, 1, 13)
      AND state = OLD.state AND reason = COALESCE(OLD.reject_reason, '');
    DELETE FROM capture_hour_groups
    WHERE device_id = OLD.device_id AND hour = substr(OLD.captured_at, 1, 13)
      AND state = OLD.state AND reason = COALESCE(OLD.reject_reason, '') AND n <= 0;
END;

-- CAP-02 late uploads and clock drift: the analysis reads only the captures that carry one of
-- the two flags (a small share), through this index instead of every capture's flags.
CREATE INDEX captures_flagged ON captures(device_id, captured_at)
    WHERE flags LIKE '%"late_upload"%' OR flags LIKE '%"clock_drift"%';
