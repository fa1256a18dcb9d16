-- DAT-02, DAT-03, SEC-07, SEC-08: outside bodies' query and statistics applications and bulk
-- export applications, signed off by the head, run by an operator, handed over with consent.
-- SHR-01, SHR-02: partners, their grants (two-person approval) and every call they make.

CREATE TABLE data_applications (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL,          -- query, statistics, export
    dataset          TEXT NOT NULL,          -- violations, device_registrations
    unit_id          BIGINT NOT NULL REFERENCES units(id),
    unit_path        TEXT NOT NULL,
    requesting_body  TEXT NOT NULL,
    purpose          TEXT NOT NULL,          -- SEC-08 purpose
    purpose_text     TEXT NOT NULL,
    span_from        TIMESTAMPTZ NOT NULL,
    span_to          TIMESTAMPTZ NOT NULL,
    state            TEXT NOT NULL,          -- requested, approved, refused, run, released, exported
    requested_by     BIGINT NOT NULL REFERENCES users(id),
    requested_at     TIMESTAMPTZ NOT NULL,
    decided_by       BIGINT REFERENCES users(id),
    decided_at       TIMESTAMPTZ,
    decision_reason  TEXT NOT NULL DEFAULT '',
    run_by           BIGINT REFERENCES users(id),
    run_at           TIMESTAMPTZ,
    result_name      TEXT NOT NULL DEFAULT '',
    result_sha256    TEXT NOT NULL DEFAULT '',
    result_rows      BIGINT NOT NULL DEFAULT 0,
    released_by      BIGINT REFERENCES users(id),
    released_at      TIMESTAMPTZ,
    recipient        TEXT NOT NULL DEFAULT '',
    release_note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX data_applications_scope ON data_applications(unit_path, state, id);

-- The result file of a run application, kept as handed over (its SHA-256 is on the row).
CREATE TABLE data_results (
    application_id  BIGINT PRIMARY KEY REFERENCES data_applications(id),
    content         BYTEA NOT NULL
);

CREATE TABLE partners (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    unit_id      BIGINT NOT NULL REFERENCES units(id),
    unit_path    TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,       -- SHA-256 of the partner's key (the SOAP jkxlh)
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_by   BIGINT NOT NULL REFERENCES users(id),
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE partner_grants (
    id           BIGSERIAL PRIMARY KEY,
    partner_id   BIGINT NOT NULL REFERENCES partners(id),
    interface    TEXT NOT NULL,
    scope_unit   BIGINT NOT NULL REFERENCES units(id),
    scope_path   TEXT NOT NULL,
    span_from    TIMESTAMPTZ NOT NULL,
    span_to      TIMESTAMPTZ NOT NULL,
    categories   TEXT NOT NULL,              -- JSON list of violation-code prefixes
    fields       TEXT NOT NULL,              -- JSON [{field, mask}]
    purpose      TEXT NOT NULL,
    purpose_text TEXT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    state        TEXT NOT NULL,              -- proposed, approved, refused, revoked
    created_by   BIGINT NOT NULL REFERENCES users(id),
    created_at   TIMESTAMPTZ NOT NULL,
    approved_by  BIGINT REFERENCES users(id),
    approved_at  TIMESTAMPTZ
);
CREATE INDEX partner_grants_partner ON partner_grants(partner_id, id);

-- Every partner call, answered or refused, for the per-partner usage view.
CREATE TABLE partner_calls (
    id          BIGSERIAL PRIMARY KEY,
    partner_id  BIGINT NOT NULL REFERENCES partners(id),
    grant_id    BIGINT REFERENCES partner_grants(id),
    protocol    TEXT NOT NULL,
    called_at   TIMESTAMPTZ NOT NULL,
    row_count   BIGINT NOT NULL,
    outcome     TEXT NOT NULL               -- ok, or the refusal's code
);
CREATE INDEX partner_calls_partner ON partner_calls(partner_id, id);
