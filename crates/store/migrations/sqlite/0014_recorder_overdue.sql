-- BWC-01, BWC-12: a recorder held past 24 hours without a hand-back, or damaged and not sent
-- to logistics within 24 hours, is reported once per hand-out or damage by the
-- `recorder_overdue` job; these remember when it was.
ALTER TABLE recorders ADD COLUMN hold_reported_at TEXT;
ALTER TABLE recorders ADD COLUMN repair_reported_at TEXT;
