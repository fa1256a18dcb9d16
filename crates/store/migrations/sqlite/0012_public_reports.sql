-- REV-05: photos and videos reported by the public go through the same review. A public report
-- is a capture without a device, so captures.device_id becomes nullable. SQLite cannot drop a
-- NOT NULL constraint in place: the table is rebuilt (the documented twelve-step procedure).
-- Store::migrate runs migrations with foreign keys off (SQLite only switches them outside a
-- transaction) and checks them after; with them on, DROP TABLE refuses and nothing changes.
CREATE TABLE captures_new (
    id              INTEGER PRIMARY KEY,
    device_id       INTEGER REFERENCES devices(id), -- NULL for a public report (REV-05)
    unit_id         INTEGER NOT NULL REFERENCES units(id), -- REV-00: the police of the place
    unit_path       TEXT NOT NULL,
    event_key       TEXT NOT NULL,              -- the device's event UUID, or a digest of the push
    source          TEXT NOT NULL,              -- CAP-00
    via             TEXT NOT NULL,              -- json, multipart, isapi
    plate           TEXT NOT NULL DEFAULT '',   -- normalised; '' when unidentified
    plate_key       TEXT NOT NULL DEFAULT '',
    plate_colour    TEXT NOT NULL,
    vehicle_type    TEXT NOT NULL DEFAULT '',
    vehicle_colour  TEXT NOT NULL DEFAULT '',
    violation_code  TEXT NOT NULL DEFAULT '',
    place           TEXT NOT NULL DEFAULT '',
    division_code   TEXT NOT NULL DEFAULT '',
    road_code       TEXT NOT NULL DEFAULT '',
    km_marker       TEXT NOT NULL DEFAULT '',
    direction       TEXT NOT NULL DEFAULT '',
    lane            INTEGER,
    speed           INTEGER,
    speed_limit     INTEGER,
    confidence      INTEGER,
    longitude       REAL,
    latitude        REAL,
    video_url       TEXT NOT NULL DEFAULT '',
    captured_at     TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    camera_time     TEXT,
    usage           TEXT NOT NULL,              -- enforce, warn_only, refuse (CAP-03/04)
    flags           TEXT NOT NULL DEFAULT '[]', -- JSON: the pre-check flags with their rules
    state           TEXT NOT NULL,
    review_due_at   TEXT,                       -- REV-01
    collected_by    INTEGER REFERENCES users(id), -- the officer of a handheld/mobile upload
    first_reviewer  INTEGER REFERENCES users(id),
    reviewed_by     INTEGER REFERENCES users(id),
    reviewed_at     TEXT,
    reject_reason   TEXT,                       -- REV-03 code
    review_note     TEXT NOT NULL DEFAULT '',
    claimed_by      INTEGER,
    claimed_until   TEXT,
    escalated_at    TEXT,
    -- REV-02 held by the database too: no path may write a collector as their own reviewer.
    CHECK (reviewed_by IS NULL OR collected_by IS NULL OR reviewed_by <> collected_by),
    CHECK (first_reviewer IS NULL OR collected_by IS NULL OR first_reviewer <> collected_by),
    UNIQUE (device_id, event_key)
);
INSERT INTO captures_new (id, device_id, unit_id, unit_path, event_key, source, via, plate, plate_key, plate_colour, vehicle_type, vehicle_colour, violation_code, place, division_code, road_code, km_marker, direction, lane, speed, speed_limit, confidence, longitude, latitude, video_url, captured_at, received_at, camera_time, usage, flags, state, review_due_at, collected_by, first_reviewer, reviewed_by, reviewed_at, reject_reason, review_note, claimed_by, claimed_until, escalated_at)
    SELECT id, device_id, unit_id, unit_path, event_key, source, via, plate, plate_key, plate_colour, vehicle_type, vehicle_colour, violation_code, place, division_code, road_code, km_marker, direction, lane, speed, speed_limit, confidence, longitude, latitude, video_url, captured_at, received_at, camera_time, usage, flags, state, review_due_at, collected_by, first_reviewer, reviewed_by, reviewed_at, reject_reason, review_note, claimed_by, claimed_until, escalated_at FROM captures;
DROP TABLE captures;
ALTER TABLE captures_new RENAME TO captures;
CREATE INDEX captures_queue_scope ON captures(unit_path, review_due_at, id) WHERE state IN ('pending', 'second_review');
CREATE INDEX captures_device ON captures(device_id, captured_at);
CREATE INDEX captures_plate ON captures(plate_key, captured_at);
CREATE INDEX captures_escalation ON captures(review_due_at, id)
    WHERE state IN ('pending', 'second_review') AND escalated_at IS NULL;

-- The reporter of a public report and the code that proved their phone. The phone is personal
-- data: reviewers see it masked, and every read of a report is audited with the capture.
CREATE TABLE public_reports (
    capture_id  INTEGER PRIMARY KEY REFERENCES captures(id),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    phone       TEXT NOT NULL,
    source_ip   TEXT NOT NULL,
    lang        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX public_reports_phone ON public_reports(phone, created_at);
CREATE INDEX public_reports_source ON public_reports(source_ip, created_at);

-- REV-05 contact proof: a one-time code sent to the reporter's phone, kept only as a hash.
CREATE TABLE public_report_codes (
    id          INTEGER PRIMARY KEY,
    phone       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    source_ip   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used_at     TEXT
);
CREATE INDEX public_report_codes_phone ON public_report_codes(phone, created_at);
CREATE INDEX public_report_codes_source ON public_report_codes(source_ip, created_at);

