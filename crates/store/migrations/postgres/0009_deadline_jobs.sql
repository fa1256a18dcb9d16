-- Issue 12: deadlines that are jobs (NOT-01, NOT-02c, NOT-02f, REV-04, APL-02), the messages a
-- unit head sees on the overview, the NOT-02f transfer, and shipped calendars that reach an
-- existing installation (TIME-01). Kept in step with ../sqlite/0009_deadline_jobs.sql.

-- NOT-01 / NOT-02f: when the deadline job flagged a notice as late (once).
ALTER TABLE violations ADD COLUMN notice_late_at TIMESTAMPTZ;
-- REV-04: a reason for elimination was verified; the record is eliminated within 3 working days.
ALTER TABLE violations ADD COLUMN elimination_verified_at TIMESTAMPTZ;
ALTER TABLE violations ADD COLUMN elimination_verified_reason TEXT;
ALTER TABLE violations ADD COLUMN elimination_due_at TIMESTAMPTZ;
ALTER TABLE violations ADD COLUMN elimination_late_at TIMESTAMPTZ;
-- NOT-02c: when the overdue job next looks at the record (NULL: nothing can come due until
-- something changes); the job reads only what is due, by this index, in batches.
ALTER TABLE violations ADD COLUMN next_step_at TIMESTAMPTZ;
-- NOT-02c: service by announcement (the owner could not be reached) and its 60 days.
ALTER TABLE violations ADD COLUMN service_announced_on DATE;
-- NOT-02f: '' (not needed), 'transferred' (to the police of the owner's commune or district),
-- 'manual' (no such unit in the tree: to be transferred by hand).
ALTER TABLE violations ADD COLUMN transfer TEXT NOT NULL DEFAULT '';
ALTER TABLE violations ADD COLUMN transferred_from BIGINT REFERENCES units(id);
-- Every open notified record is looked at by the next pass, which sets its real next step.
UPDATE violations SET next_step_at = notified_at
    WHERE state = 'notified' AND outcome = 'violation' AND notified_at IS NOT NULL;
CREATE INDEX violations_next_step ON violations(next_step_at, id) WHERE next_step_at IS NOT NULL;
CREATE INDEX violations_notice_late ON violations(notice_due_at, id)
    WHERE state = 'entered' AND notice_late_at IS NULL;
CREATE INDEX violations_elimination_late ON violations(elimination_due_at, id)
    WHERE elimination_due_at IS NOT NULL AND elimination_late_at IS NULL;

-- APL-02: when the deadline job flagged an objection decision as late (once).
ALTER TABLE objections ADD COLUMN late_at TIMESTAMPTZ;
CREATE INDEX objections_late ON objections(due_at, id) WHERE state = 'received' AND late_at IS NULL;

-- Messages to the people of a unit who hold a role (or to one person). One per kind and
-- subject and recipient: a job that runs twice does not message twice.
CREATE TABLE messages (
    id            BIGSERIAL PRIMARY KEY,
    unit_id       BIGINT NOT NULL REFERENCES units(id),
    role          TEXT NOT NULL DEFAULT '',     -- '' = anyone at the unit
    user_id       BIGINT REFERENCES users(id),
    kind          TEXT NOT NULL,
    rule          TEXT NOT NULL DEFAULT '',
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    read_at       TIMESTAMPTZ,
    read_by       BIGINT REFERENCES users(id)
);
CREATE UNIQUE INDEX messages_once ON messages(kind, subject_type, subject_id, unit_id, role);
CREATE INDEX messages_unread ON messages(unit_id, created_at) WHERE read_at IS NULL;

-- TIME-01: where a calendar day came from. 'shipped' rows follow newer shipped tables;
-- 'local' rows were changed by a person and are never overwritten. Rows written after the
-- first seeding of their country were edits.
ALTER TABLE calendar_days ADD COLUMN source TEXT NOT NULL DEFAULT 'shipped';
UPDATE calendar_days SET source = 'local' WHERE updated_at > (
    SELECT MIN(c.updated_at) FROM calendar_days c WHERE c.country = calendar_days.country);
-- Days a person removed: a shipped table never brings them back.
CREATE TABLE calendar_removed (
    country     TEXT NOT NULL,
    day         DATE NOT NULL,
    removed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (country, day)
);
