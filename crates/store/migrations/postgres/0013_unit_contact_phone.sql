-- Issue 14 item 8: a notice letter names the telephone of the unit that handles the record,
-- so each unit keeps its own contact number (empty until an administrator gives one).
ALTER TABLE units ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
