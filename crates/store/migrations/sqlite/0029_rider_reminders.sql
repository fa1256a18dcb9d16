-- RID-09, RID-10: SMS and voice reminders sent through the gateways. Like the outbox, a
-- reminder is due at next_at (NULL: at once); a sender that takes it moves next_at to the end
-- of its lease and settles the outcome only while that lease holds, so a sender that crashes
-- mid-batch leaves the reminder to come back when the lease ends, never lost. reason is a
-- stable code the rider file translates (no_phone, gateway_failed, retrying).
ALTER TABLE rider_dispositions ADD COLUMN next_at TEXT;
ALTER TABLE rider_dispositions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
CREATE INDEX rider_dispositions_reminders ON rider_dispositions(state, disposition, next_at);
