-- SUP-02: the monthly analysis reads a year of each device's captures grouped by UTC hour,
-- state and rejection reason. Grouping some fifty million captures on every run took most of
-- a minute on PostgreSQL; this table keeps those groups as the captures change, so a run reads
-- them instead. It replaces 0034's per-device hour counts (the cockpit sums these groups), so a
-- capture still costs one kept row on ingest; a review decision moves it between groups.
-- Hours are UTC, as 'YYYY-MM-DDTHH'. A public report (REV-05) has no device and is not counted.

DROP TRIGGER captures_hours_insert ON captures;
DROP TRIGGER captures_hours_update ON captures;
DROP TRIGGER captures_hours_delete ON captures;
DROP FUNCTION capture_hours_track();
DROP TABLE capture_device_hours;

CREATE TABLE capture_hour_groups (
    device_id    BIGINT NOT NULL,
    hour         TEXT COLLATE "C" NOT NULL,
    state        TEXT COLLATE "C" NOT NULL,
    reason       TEXT COLLATE "C" NOT NULL,  -- the REV-03 code, '' when not rejected
    n            BIGINT NOT NULL,
    unidentified BIGINT NOT NULL,            -- without an identifiable plate
    second       BIGINT NOT NULL,            -- with a first reviewer recorded (a second look)
    PRIMARY KEY (device_id, hour, state, reason)
);

INSERT INTO capture_hour_groups (device_id, hour, state, reason, n, unidentified, second)
    SELECT device_id, utc_hour(captured_at), state, COALESCE(reject_reason, ''), COUNT(*),
           SUM(CASE WHEN plate = '' THEN 1 ELSE 0 END),
           SUM(CASE WHEN first_reviewer IS NOT NULL THEN 1 ELSE 0 END)
    FROM captures WHERE device_id IS NOT NULL GROUP BY 1, 2, 3, 4;

CREATE FUNCTION capture_hour_groups_track() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.device_id IS NOT NULL THEN
        UPDATE capture_hour_groups SET n = n - 1,
            unidentified = unidentified - CASE WHEN OLD.plate = '' THEN 1 ELSE 0 END,
            second = second - CASE WHEN OLD.first_reviewer IS NOT NULL THEN 1 ELSE 0 END
        WHERE device_id = OLD.device_id AND hour = utc_hour(OLD.captured_at)
          AND state = OLD.state AND reason = COALESCE(OLD.reject_reason, '');
        DELETE FROM capture_hour_groups
        WHERE device_id = OLD.device_id AND hour = utc_hour(OLD.captured_at)
          AND state = OLD.state AND reason = COALESCE(OLD.reject_reason, '') AND n <= 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.device_id IS NOT NULL THEN
        INSERT INTO capture_hour_groups AS g
            (device_id, hour, state, reason, n, unidentified, second)
        VALUES (NEW.device_id, utc_hour(NEW.captured_at), NEW.state,
                COALESCE(NEW.reject_reason, ''), 1,
                CASE WHEN NEW.plate = '' THEN 1 ELSE 0 END,
                CASE WHEN NEW.first_reviewer IS NOT NULL THEN 1 ELSE 0 END)
        ON CONFLICT (device_id, hour, state, reason) DO UPDATE SET n = g.n + 1,
            unidentified = g.unidentified + EXCLUDED.unidentified,
            second = g.second + EXCLUDED.second;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER captures_groups_insert AFTER INSERT ON captures
    FOR EACH ROW EXECUTE FUNCTION capture_hour_groups_track();
CREATE TRIGGER captures_groups_update
    AFTER UPDATE OF device_id, captured_at, state, reject_reason, plate, first_reviewer ON captures
    FOR EACH ROW WHEN ((OLD.device_id, OLD.captured_at, OLD.state, OLD.reject_reason, OLD.plate,
                        OLD.first_reviewer)
                       IS DISTINCT FROM (NEW.device_id, NEW.captured_at, NEW.state,
                                         NEW.reject_reason, NEW.plate, NEW.first_reviewer))
    EXECUTE FUNCTION capture_hour_groups_track();
CREATE TRIGGER captures_groups_delete AFTER DELETE ON captures
    FOR EACH ROW EXECUTE FUNCTION capture_hour_groups_track();

-- CAP-02 late uploads and clock drift: the analysis reads only the captures that carry one of
-- the two flags (a small share), through this index instead of every capture's flags.
CREATE INDEX captures_flagged ON captures(device_id, captured_at)
    WHERE flags LIKE '%"late_upload"%' OR flags LIKE '%"clock_drift"%';
