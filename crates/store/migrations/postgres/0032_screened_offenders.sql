-- SHR-04: the non-motor-vehicle recognition system's screened offenders, taken one way in
-- through a partner's write grant. One row per entry the system sent; the same reference sent
-- again by the same partner is the same entry (its retries are safe). unit_path is the grant's
-- scope: the e-bike officers there decide the entry (agreed or disputed). person_id is the
-- resident of the face base library with that ID number in the scope, when there is one.
CREATE TABLE screened_offenders (
    id           BIGSERIAL PRIMARY KEY,
    partner_id   BIGINT NOT NULL REFERENCES partners(id),
    grant_id     BIGINT NOT NULL REFERENCES partner_grants(id),
    unit_id      BIGINT NOT NULL REFERENCES units(id),
    unit_path    TEXT NOT NULL,
    source_ref   TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    name         TEXT NOT NULL,
    violation    TEXT NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    place        TEXT NOT NULL,
    point        TEXT NOT NULL,
    similarity   DOUBLE PRECISION,
    person_id    BIGINT REFERENCES rider_persons(id),
    state        TEXT NOT NULL DEFAULT 'received',
    decided_by   BIGINT REFERENCES users(id),
    decided_at   TIMESTAMPTZ,
    note         TEXT NOT NULL DEFAULT '',
    received_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (partner_id, source_ref)
);
CREATE INDEX screened_offenders_scope ON screened_offenders(unit_path, received_at);
CREATE INDEX screened_offenders_person ON screened_offenders(person_id);
