-- ORG-02: a registry entry of the embedded vehicle registry belongs to the unit whose
-- notice clerk recorded it; only that unit and the units above it may change it, so a clerk
-- elsewhere cannot redirect the owner's notices. Entries from before this migration go to the
-- unit of the first record entered against them; entries no record uses keep '' and may be
-- changed only by a top-level unit.
ALTER TABLE vehicles ADD COLUMN unit_path TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE vehicles SET unit_path = COALESCE(
    (SELECT v.unit_path FROM violations v WHERE v.vehicle_id = vehicles.id ORDER BY v.id LIMIT 1), '');
