-- SUP-02, SUP-03, SUP-07: the check and rectification list. An item is raised by the analysis
-- (once per device and period) or by an upper unit's warning; every step names its person.
CREATE TABLE check_items (
    id                INTEGER PRIMARY KEY,
    device_id         INTEGER NOT NULL REFERENCES devices(id),
    device_unit_id    INTEGER NOT NULL REFERENCES units(id),  -- the managing unit
    device_unit_path  TEXT NOT NULL,
    raised_unit_id    INTEGER NOT NULL REFERENCES units(id),  -- accepts or sends back
    raised_unit_path  TEXT NOT NULL,
    raised_by         INTEGER REFERENCES users(id),           -- NULL: the analysis job
    origin            TEXT NOT NULL,                          -- analysis, warning
    state             TEXT NOT NULL,
    period_first      TEXT,                                   -- analysis: the period analysed
    period_last       TEXT,
    raised_on         TEXT NOT NULL,                          -- the managing unit's local date
    deadline          TEXT NOT NULL,                          -- re-check, then the plan's deadline
    planned_by        INTEGER REFERENCES users(id),
    fixed_by          INTEGER REFERENCES users(id),
    suspended_for     TEXT,                                   -- SUP-04 reason, until accepted
    progress_percent  INTEGER NOT NULL DEFAULT 0,
    escalation_level  INTEGER NOT NULL DEFAULT 0,
    findings          TEXT NOT NULL DEFAULT '[]',             -- JSON: the analysis' findings
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX check_items_once_per_period ON check_items(device_id, period_first)
    WHERE origin = 'analysis';
CREATE INDEX check_items_device_scope ON check_items(device_unit_path, state, deadline);
CREATE INDEX check_items_raised_scope ON check_items(raised_unit_path, state);
CREATE INDEX check_items_device ON check_items(device_id, id);

CREATE TABLE check_steps (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES check_items(id),
    kind           TEXT NOT NULL,
    actor_user_id  INTEGER REFERENCES users(id),
    actor          TEXT NOT NULL,                 -- the person's name, or 'system'
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    at             TEXT NOT NULL,
    note           TEXT,
    -- SUP-07: every step names its person; only the analysis job's raise has none.
    CHECK (actor_user_id IS NOT NULL OR kind = 'raise')
);
CREATE INDEX check_steps_item ON check_steps(item_id, at, id);

-- AUD-09: complaints from phone, web and media, answered within a configured time.
CREATE TABLE complaints (
    id                  INTEGER PRIMARY KEY,
    channel             TEXT NOT NULL,
    target_kind         TEXT NOT NULL,            -- device, record, unit
    target_id           INTEGER NOT NULL,
    device_id           INTEGER REFERENCES devices(id),  -- the device it counts against
    handling_unit_id    INTEGER NOT NULL REFERENCES units(id),
    handling_unit_path  TEXT NOT NULL,
    state               TEXT NOT NULL,
    summary             TEXT NOT NULL,
    registered_by       INTEGER NOT NULL REFERENCES users(id),
    registered_at       TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    checked_by          INTEGER REFERENCES users(id),
    answered_by         INTEGER REFERENCES users(id),
    answered_at         TEXT,
    result              TEXT,                     -- upheld, not_upheld
    answer              TEXT NOT NULL DEFAULT '',
    closed_by           INTEGER REFERENCES users(id),
    overdue_at          TEXT,                     -- when the job found it unanswered past due
    updated_at          TEXT NOT NULL
);
CREATE INDEX complaints_scope ON complaints(handling_unit_path, state, due_at);
CREATE INDEX complaints_device ON complaints(device_id, registered_at);
