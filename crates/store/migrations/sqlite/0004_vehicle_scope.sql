-- ORG-02, SEC-06: a registry entry of the embedded vehicle registry belongs to the unit whose
-- notice clerk recorded it; only that unit and the units above it may change it, so a clerk
-- elsewhere cannot redirect the owner's notices. Entries from before this migration carry ''
-- and take the unit of the next clerk who records them.
ALTER TABLE vehicles ADD COLUMN unit_path TEXT NOT NULL DEFAULT '';
