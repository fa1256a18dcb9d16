-- SUP-02: when each device was last heard from (any authenticated push: a capture, a rider
-- event, an ISAPI heartbeat or `POST /api/v1/devices/heartbeat`), and each silence of an hour
-- or more that ended, so the monthly analysis can name heartbeat gaps. Kept beside the device
-- row, not in it: a push never locks the row the lifecycle writes.
CREATE TABLE device_presence (
    device_id     INTEGER PRIMARY KEY REFERENCES devices(id),
    last_seen_at  TEXT NOT NULL
);

CREATE TABLE device_silences (
    id          INTEGER PRIMARY KEY,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    unit_path   TEXT NOT NULL,
    began_at    TEXT NOT NULL,
    ended_at    TEXT NOT NULL,
    hours       INTEGER NOT NULL
);
CREATE INDEX device_silences_scope ON device_silences(unit_path, ended_at);
