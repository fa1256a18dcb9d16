-- RID-10, SHR-04: the durable outbox of requests to outside systems (civility credit, the
-- party-member pioneer index, the grassroots-governance platform). Each request is sent with
-- retries and back-off, then read back until the outside system says it is done; the result
-- read back is kept with it. `request_key` is sent as the request's id, so a request sent
-- again after a timeout is the same request to the outside system, never a second deduction.
CREATE TABLE outside_requests (
    id              BIGSERIAL PRIMARY KEY,
    system          TEXT NOT NULL,                          -- civility_credit, party_index, grassroots
    kind            TEXT NOT NULL,                          -- deduction, task, list
    request_key     TEXT NOT NULL UNIQUE,                   -- at most one request per measure, task, list
    person_id       BIGINT REFERENCES rider_persons(id),
    disposition_id  BIGINT REFERENCES rider_dispositions(id),
    task_id         BIGINT REFERENCES rider_tasks(id),
    unit_id         BIGINT REFERENCES units(id),
    payload         TEXT NOT NULL,                          -- the JSON sent
    state           TEXT NOT NULL,                          -- queued, sent, acknowledged, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         TIMESTAMPTZ NOT NULL,                      -- next send or read-back; the lease while one runs
    remote_id       TEXT NOT NULL DEFAULT '',               -- the outside system's id for it
    result          TEXT NOT NULL DEFAULT '',               -- the JSON read back
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    acknowledged_at TIMESTAMPTZ
);
CREATE INDEX outside_requests_due ON outside_requests(state, next_at, id);
CREATE INDEX outside_requests_person ON outside_requests(person_id, created_at);
CREATE INDEX outside_requests_task ON outside_requests(task_id);
