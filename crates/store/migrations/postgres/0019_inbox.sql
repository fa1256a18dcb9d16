-- Issues 15 and 16: the inbox. Messages to one person, one message per event (not only one per
-- subject), the inbox read newest first, and the rider tasks' deadline steps (RID-10, RID-11),
-- each taken once. Kept in step with ../sqlite/0019_inbox.sql.

-- What makes a message one event: '' for "once per kind and subject" (the escalations), a
-- time or an event id where the same thing can happen to a subject more than once (a device
-- circuit-broken, re-enabled and broken again).
ALTER TABLE messages ADD COLUMN event_key TEXT NOT NULL DEFAULT '';
DROP INDEX messages_once;
CREATE UNIQUE INDEX messages_once
    ON messages(kind, subject_type, subject_id, unit_id, role, event_key, COALESCE(user_id, 0));
CREATE INDEX messages_inbox ON messages(unit_id, created_at, id);
CREATE INDEX messages_person ON messages(user_id, created_at) WHERE user_id IS NOT NULL;

-- RID-11: a task's deadline steps, each taken once by the daily job: the reminder the day
-- before, the overdue message, the escalation to the township N days later.
ALTER TABLE rider_tasks ADD COLUMN reminded_at TIMESTAMPTZ;
ALTER TABLE rider_tasks ADD COLUMN overdue_flagged_at TIMESTAMPTZ;
ALTER TABLE rider_tasks ADD COLUMN escalated_at TIMESTAMPTZ;
