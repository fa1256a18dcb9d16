-- Foundation schema (SQLite). Kept in step with ../postgres/0001_foundation.sql.
-- Times are RFC 3339 text in UTC, except the audit log's, which are integer microseconds so
-- that the hashed value is exactly the stored one.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES units(id),
    path        TEXT NOT NULL UNIQUE,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    country     TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY,
    unit_id               INTEGER NOT NULL REFERENCES units(id),
    username              TEXT NOT NULL UNIQUE,
    full_name             TEXT NOT NULL,
    id_number             TEXT NOT NULL UNIQUE, -- SEC-01: one account per person
    phone                 TEXT,
    person_kind           TEXT NOT NULL,
    badge_number          TEXT,
    status                TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    password_changed_at   TEXT NOT NULL,
    must_change_password  INTEGER NOT NULL,
    failed_attempts       INTEGER NOT NULL DEFAULT 0,
    locked_until          TEXT,
    language              TEXT NOT NULL DEFAULT 'zh-CN',
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE role_grants (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    role        TEXT NOT NULL,
    granted_by  INTEGER REFERENCES users(id),
    granted_at  TEXT NOT NULL,
    revoked_by  INTEGER REFERENCES users(id),
    revoked_at  TEXT
);
CREATE UNIQUE INDEX role_grants_held ON role_grants(user_id, role) WHERE revoked_at IS NULL;

CREATE TABLE agreements (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    reference   TEXT NOT NULL,
    signed_on   TEXT NOT NULL,
    filed_by    INTEGER REFERENCES users(id),
    filed_at    TEXT NOT NULL
);
CREATE INDEX agreements_user ON agreements(user_id);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    kind          TEXT NOT NULL,
    label         TEXT NOT NULL DEFAULT '',
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    revoked_at    TEXT,
    ip            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    at_micros      INTEGER NOT NULL,
    actor_user_id  INTEGER,
    actor          TEXT NOT NULL,
    unit_id        INTEGER,
    action         TEXT NOT NULL,
    object_type    TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    detail         TEXT NOT NULL,
    ip             TEXT NOT NULL,
    request_id     TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at_micros);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id, seq);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id, seq);
CREATE INDEX audit_log_unit ON audit_log(unit_id, seq);

-- SEC-05: nobody, administrators included, alters or removes an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- The chain head: the last sequence number and hash. Appends lock this row, so concurrent
-- writers line up; verify compares it with the last entry, so a cut-off tail shows.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE calendar_days (
    country     TEXT NOT NULL,
    day         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (country, day)
);

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    unique_key    TEXT UNIQUE,
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    run_at        TEXT NOT NULL,
    locked_by     TEXT,
    heartbeat_at  TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX jobs_ready ON jobs(status, run_at);
