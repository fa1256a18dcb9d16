-- RID-12, RID-14: rider services. A rider proves who they are with their ID number and a
-- one-time code sent to the phone on file (the number itself is not kept here: only a hash of
-- it, to count requests per number); a short session bound to that person reads their record;
-- the safety quiz's attempts and the satisfaction survey's answers.

-- A code request. `person_id` is NULL when no file has the number: the request is stored the
-- same way (with a hash no code matches) so the answer never says whether the number exists.
CREATE TABLE rider_public_codes (
    id          INTEGER PRIMARY KEY,
    id_key      TEXT NOT NULL,
    person_id   INTEGER REFERENCES rider_persons(id),
    phone       TEXT NOT NULL DEFAULT '',
    code_hash   TEXT NOT NULL,
    source_ip   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used_at     TEXT
);
CREATE INDEX rider_public_codes_key ON rider_public_codes(id_key, created_at);
CREATE INDEX rider_public_codes_phone ON rider_public_codes(phone, created_at);
CREATE INDEX rider_public_codes_ip ON rider_public_codes(source_ip, created_at);

-- A proven rider's session (only the token's hash is kept).
CREATE TABLE rider_public_sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    person_id   INTEGER NOT NULL REFERENCES rider_persons(id),
    source_ip   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT
);
CREATE INDEX rider_public_sessions_person ON rider_public_sessions(person_id, created_at);

-- RID-12: a safety quiz drawn for a rider, and its result once answered.
CREATE TABLE rider_quiz_attempts (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES rider_persons(id),
    questions     TEXT NOT NULL,               -- JSON array of the question ids drawn
    started_at    TEXT NOT NULL,
    submitted_at  TEXT,
    score         INTEGER,
    passed        INTEGER
);
CREATE INDEX rider_quiz_attempts_person ON rider_quiz_attempts(person_id, started_at);

-- RID-14: the satisfaction survey (a rating 1-5 and an optional comment).
CREATE TABLE rider_surveys (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES rider_persons(id),
    unit_path   TEXT NOT NULL,                 -- the rider's village, for ORG-02 ranges
    rating      INTEGER NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,                 -- quiz, page
    lang        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX rider_surveys_scope ON rider_surveys(unit_path, created_at);
CREATE INDEX rider_surveys_person ON rider_surveys(person_id, created_at);
