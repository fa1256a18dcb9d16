-- SUP-02, SUP-03, SUP-07: the check and rectification list. An item is raised by the analysis
-- (once per device and period) or by an upper unit's warning; every step names its person.
CREATE TABLE check_items (
    id                BIGSERIAL PRIMARY KEY,
    device_id         BIGINT NOT NULL REFERENCES devices(id),
    device_unit_id    BIGINT NOT NULL REFERENCES units(id),  -- the managing unit
    device_unit_path  TEXT NOT NULL,
    raised_unit_id    BIGINT NOT NULL REFERENCES units(id),  -- accepts or sends back
    raised_unit_path  TEXT NOT NULL,
    raised_by         BIGINT REFERENCES users(id),           -- NULL: the analysis job
    origin            TEXT NOT NULL,                          -- analysis, warning
    state             TEXT NOT NULL,
    period_first      DATE,                                   -- analysis: the period analysed
    period_last       DATE,
    raised_on         DATE NOT NULL,                          -- the managing unit's local date
    deadline          DATE NOT NULL,                          -- re-check, then the plan's deadline
    planned_by        BIGINT REFERENCES users(id),
    fixed_by          BIGINT REFERENCES users(id),
    suspended_for     TEXT,                                   -- SUP-04 reason, until accepted
    progress_percent  INTEGER NOT NULL DEFAULT 0,
    escalation_level  INTEGER NOT NULL DEFAULT 0,
    findings          TEXT NOT NULL DEFAULT '[]',             -- JSON: the analysis' findings
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX check_items_once_per_period ON check_items(device_id, period_first)
    WHERE origin = 'analysis';
CREATE INDEX check_items_device_scope ON check_items(device_unit_path, state, deadline);
CREATE INDEX check_items_raised_scope ON check_items(raised_unit_path, state);
CREATE INDEX check_items_device ON check_items(device_id, id);

CREATE TABLE check_steps (
    id             BIGSERIAL PRIMARY KEY,
    item_id        BIGINT NOT NULL REFERENCES check_items(id),
    kind           TEXT NOT NULL,
    actor_user_id  BIGINT REFERENCES users(id),
    actor          TEXT NOT NULL,                 -- the person's name, or 'system'
    unit_id        BIGINT NOT NULL REFERENCES units(id),
    at             TIMESTAMPTZ NOT NULL,
    note           TEXT,
    -- SUP-07: every step names its person; only the analysis job's raise has none.
    CHECK (actor_user_id IS NOT NULL OR kind = 'raise')
);
CREATE INDEX check_steps_item ON check_steps(item_id, at, id);

-- AUD-09: complaints from phone, web and media, answered within a configured time.
CREATE TABLE complaints (
    id                  BIGSERIAL PRIMARY KEY,
    channel             TEXT NOT NULL,
    target_kind         TEXT NOT NULL,            -- device, record, unit
    target_id           BIGINT NOT NULL,
    device_id           BIGINT REFERENCES devices(id),  -- the device it counts against
    handling_unit_id    BIGINT NOT NULL REFERENCES units(id),
    handling_unit_path  TEXT NOT NULL,
    state               TEXT NOT NULL,
    summary             TEXT NOT NULL,
    registered_by       BIGINT NOT NULL REFERENCES users(id),
    registered_at       TIMESTAMPTZ NOT NULL,
    due_at              TIMESTAMPTZ NOT NULL,
    checked_by          BIGINT REFERENCES users(id),
    answered_by         BIGINT REFERENCES users(id),
    answered_at         TIMESTAMPTZ,
    result              TEXT,                     -- upheld, not_upheld
    answer              TEXT NOT NULL DEFAULT '',
    closed_by           BIGINT REFERENCES users(id),
    overdue_at          TIMESTAMPTZ,                     -- when the job found it unanswered past due
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX complaints_scope ON complaints(handling_unit_path, state, due_at);
CREATE INDEX complaints_device ON complaints(device_id, registered_at);
