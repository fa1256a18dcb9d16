-- RID-01..11, SEC-10: the e-bike safe-riding programme (seed 002): one file per rider, the
-- events the capture points send, the tasks and other measures the tiers call for, the face
-- vectors identity matches on, and the officers' "not this person" decisions.

-- RID-06: one file per person. A provisional person is a cluster of unmatched faces that no
-- officer has confirmed yet (no ID number); tiers never rise on an unconfirmed match.
CREATE TABLE rider_persons (
    id                 INTEGER PRIMARY KEY,
    unit_id            INTEGER NOT NULL REFERENCES units(id), -- the village or community
    unit_path          TEXT NOT NULL,                         -- for ORG-02 ranges
    id_number          TEXT,                                  -- NULL while provisional
    name               TEXT NOT NULL DEFAULT '',
    village            TEXT NOT NULL DEFAULT '',
    employer           TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',
    party_member       INTEGER NOT NULL DEFAULT 0,
    provisional        INTEGER NOT NULL,
    tier               TEXT NOT NULL,                         -- clear, occasional, frequent, incorrigible
    tier_since         TEXT NOT NULL,
    last_education_at  TEXT,                                  -- RID-08: education or fine
    merged_into        INTEGER REFERENCES rider_persons(id), -- RID-06: merged into that file
    created_at         TEXT NOT NULL
);
CREATE UNIQUE INDEX rider_persons_id_number ON rider_persons(id_number) WHERE id_number IS NOT NULL;
CREATE INDEX rider_persons_scope ON rider_persons(unit_path, tier, id);
CREATE INDEX rider_persons_tier ON rider_persons(tier, id);

-- RID-01, RID-03: an event from an e-bike capture point, kept once per device event id
-- however often the point sends it. The photos and the clip live in the blob store.
CREATE TABLE rider_events (
    id               INTEGER PRIMARY KEY,
    device_id        INTEGER NOT NULL REFERENCES devices(id),
    device_event_id  TEXT NOT NULL,
    unit_id          INTEGER NOT NULL REFERENCES units(id),   -- the device's unit
    person_id        INTEGER REFERENCES rider_persons(id),    -- NULL until identified
    violation        TEXT NOT NULL,                           -- no_helmet, wrong_way, red_light
    occurred_at      TEXT NOT NULL,
    place            TEXT NOT NULL DEFAULT '',
    latitude         REAL,
    longitude        REAL,
    face_blob        TEXT,                                    -- blob ids
    scene_blob       TEXT,
    clip_blob        TEXT,                                    -- 6 s before to 1 s after (RID-03)
    match_state      TEXT NOT NULL,                           -- matched, unconfirmed, unmatched, held
    match_reason     TEXT NOT NULL DEFAULT '',
    match_score      REAL,
    received_at      TEXT NOT NULL,
    UNIQUE (device_id, device_event_id)
);
CREATE INDEX rider_events_person ON rider_events(person_id, occurred_at);
CREATE INDEX rider_events_match ON rider_events(match_state, received_at, id);
CREATE INDEX rider_events_device ON rider_events(device_id, occurred_at);

-- RID-09..11: a task a tier called for, closed in a loop.
CREATE TABLE rider_tasks (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES rider_persons(id),
    unit_id        INTEGER NOT NULL REFERENCES units(id),     -- the village or community it went to
    unit_path      TEXT NOT NULL,
    kind           TEXT NOT NULL,                             -- education, public_notice, grid_visit
    addressee      TEXT NOT NULL,                             -- employer, village
    state          TEXT NOT NULL,                             -- dispatched, accepted, reported, passed
    due_at         TEXT NOT NULL,
    accepted_by    INTEGER REFERENCES users(id),
    accepted_at    TEXT,
    result         TEXT NOT NULL DEFAULT '',
    photos         TEXT NOT NULL DEFAULT '[]',                -- JSON array of blob ids
    reported_by    INTEGER REFERENCES users(id),
    reported_at    TEXT,
    evaluated_by   INTEGER REFERENCES users(id),
    evaluated_at   TEXT,
    send_back_reason TEXT NOT NULL DEFAULT '',
    passed_at      TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX rider_tasks_open ON rider_tasks(due_at, id) WHERE state <> 'passed';
CREATE INDEX rider_tasks_scope ON rider_tasks(unit_path, state, due_at);
CREATE INDEX rider_tasks_person ON rider_tasks(person_id, created_at);

-- RID-05: face feature vectors (little-endian f32), of a known person or of an event's face.
CREATE TABLE face_vectors (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER REFERENCES rider_persons(id),
    event_id    INTEGER REFERENCES rider_events(id),
    dims        INTEGER NOT NULL,
    vector      BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX face_vectors_person ON face_vectors(person_id);
CREATE INDEX face_vectors_event ON face_vectors(event_id);

-- RID-06: "not this person": the face never joins that file again, whatever later matching
-- says.
CREATE TABLE rider_face_exclusions (
    face_vector_id  INTEGER NOT NULL REFERENCES face_vectors(id),
    person_id       INTEGER NOT NULL REFERENCES rider_persons(id),
    decided_by      INTEGER NOT NULL REFERENCES users(id),
    decided_at      TEXT NOT NULL,
    PRIMARY KEY (face_vector_id, person_id)
);

-- RID-09, RID-10: each measure a tier called for: reminders sent, and the requests to outside
-- systems (party index, civility credit) with their read-back.
CREATE TABLE rider_dispositions (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES rider_persons(id),
    disposition   TEXT NOT NULL,          -- sms_reminder … grid_visit_task
    tier          TEXT NOT NULL,          -- the tier that called for it
    state         TEXT NOT NULL,          -- pending, sent, confirmed, failed
    external_ref  TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    detail        TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    sent_at       TEXT,
    confirmed_at  TEXT
);
CREATE INDEX rider_dispositions_open ON rider_dispositions(state, created_at, id);
CREATE INDEX rider_dispositions_person ON rider_dispositions(person_id, created_at);
