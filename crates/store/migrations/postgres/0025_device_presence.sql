-- SUP-02: when each device was last heard from (any authenticated push: a capture, a rider
-- event, an ISAPI heartbeat or `POST /api/v1/devices/heartbeat`), and each silence of an hour
-- or more that ended, so the monthly analysis can name heartbeat gaps. Kept beside the device
-- row, not in it: a push never locks the row the lifecycle writes.
CREATE TABLE device_presence (
    device_id     BIGINT PRIMARY KEY REFERENCES devices(id),
    last_seen_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE device_silences (
    id          BIGSERIAL PRIMARY KEY,
    device_id   BIGINT NOT NULL REFERENCES devices(id),
    unit_path   TEXT COLLATE "C" NOT NULL,
    began_at    TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ NOT NULL,
    hours       BIGINT NOT NULL
);
CREATE INDEX device_silences_scope ON device_silences(unit_path, ended_at);
