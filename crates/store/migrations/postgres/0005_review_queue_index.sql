-- REV-01: the review queue is read unit by unit through captures_queue_scope (unit_path,
-- review_due_at, id). The deadline-only index captures_queue let planners walk the whole
-- backlog in deadline order, filtering on the unit, for a unit with nothing pending
-- (PostgreSQL's generic plans chose it): it goes. The escalation job, which does want all
-- overdue captures by deadline, gets an index of its own that queue reads cannot use.
DROP INDEX captures_queue;
CREATE INDEX captures_escalation ON captures(review_due_at, id)
    WHERE state IN ('pending', 'second_review') AND escalated_at IS NULL;
