-- RID-01, DEV-05: what an e-bike event may become, from the capture point's state when it came
-- in: `enforce` (in use) or `warn_only` (a point in trial: the spoken warning and the record,
-- but the event never counts toward a tier). Events stored before this column were enforce.
ALTER TABLE rider_events ADD COLUMN usage TEXT NOT NULL DEFAULT 'enforce';
