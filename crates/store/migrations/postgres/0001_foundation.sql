-- Foundation schema (PostgreSQL). Kept in step with ../sqlite/0001_foundation.sql.
-- Times are TIMESTAMPTZ, except the audit log's, which are integer microseconds so that the
-- hashed value is exactly the stored one.

CREATE TABLE units (
    id          BIGSERIAL PRIMARY KEY,
    parent_id   BIGINT REFERENCES units(id),
    path        TEXT COLLATE "C" NOT NULL UNIQUE, -- byte order, for prefix ranges (ORG-02)
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    country     TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE users (
    id                    BIGSERIAL PRIMARY KEY,
    unit_id               BIGINT NOT NULL REFERENCES units(id),
    username              TEXT NOT NULL UNIQUE,
    full_name             TEXT NOT NULL,
    id_number             TEXT NOT NULL UNIQUE, -- SEC-01: one account per person
    phone                 TEXT,
    person_kind           TEXT NOT NULL,
    badge_number          TEXT,
    status                TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    password_changed_at   TIMESTAMPTZ NOT NULL,
    must_change_password  BOOLEAN NOT NULL,
    failed_attempts       INTEGER NOT NULL DEFAULT 0,
    locked_until          TIMESTAMPTZ,
    language              TEXT NOT NULL DEFAULT 'zh-CN',
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_unit ON users(unit_id);

CREATE TABLE role_grants (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    role        TEXT NOT NULL,
    granted_by  BIGINT REFERENCES users(id),
    granted_at  TIMESTAMPTZ NOT NULL,
    revoked_by  BIGINT REFERENCES users(id),
    revoked_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX role_grants_held ON role_grants(user_id, role) WHERE revoked_at IS NULL;

CREATE TABLE agreements (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    reference   TEXT NOT NULL,
    signed_on   DATE NOT NULL,
    filed_by    BIGINT REFERENCES users(id),
    filed_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX agreements_user ON agreements(user_id);

CREATE TABLE sessions (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    kind          TEXT NOT NULL,
    label         TEXT NOT NULL DEFAULT '',
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    ip            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at_micros      BIGINT NOT NULL,
    actor_user_id  BIGINT,
    actor          TEXT NOT NULL,
    unit_id        BIGINT,
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
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- The chain head: the last sequence number and hash. Appends lock this row, so concurrent
-- writers line up; verify compares it with the last entry, so a cut-off tail shows.
CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE calendar_days (
    country     TEXT NOT NULL,
    day         DATE NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (country, day)
);

CREATE TABLE jobs (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    unique_key    TEXT UNIQUE,
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    run_at        TIMESTAMPTZ NOT NULL,
    locked_by     TEXT,
    heartbeat_at  TIMESTAMPTZ,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ
);
CREATE INDEX jobs_ready ON jobs(status, run_at);
