-- Issue 12 item 2: the registry is keyed by the plate's country, number and colour (the
-- colour says the plate type in both countries: a blue 浙E12345 and a yellow 浙E12345 are two
-- vehicles), not by the number alone, so one country's unit can no longer take over another
-- country's plate.
--
-- SQLite cannot drop a column's UNIQUE, so the table is rebuilt. Violations reference it, and
-- a migration runs inside a transaction where foreign keys cannot be switched off: so the
-- check is deferred, the rows are kept aside, and the table is recreated under its own name:
-- each row put back satisfies again the violations that pointed at it (a rename would not).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE vehicles_before_0011 AS SELECT * FROM vehicles;
DROP TABLE vehicles;
CREATE TABLE vehicles (
    id            INTEGER PRIMARY KEY,
    plate_key     TEXT NOT NULL,
    plate         TEXT NOT NULL,
    plate_colour  TEXT NOT NULL,
    country       TEXT NOT NULL,
    vehicle_type  TEXT NOT NULL DEFAULT '',
    vin           TEXT NOT NULL DEFAULT '',
    owner_name    TEXT NOT NULL,
    owner_address TEXT NOT NULL DEFAULT '',
    owner_phone   TEXT NOT NULL DEFAULT '',
    owner_email   TEXT NOT NULL DEFAULT '',
    division_code TEXT NOT NULL DEFAULT '',     -- NOT-02f: where the owner lives
    unit_path     TEXT NOT NULL DEFAULT '',     -- ORG-02: the unit that recorded the entry
    UNIQUE (country, plate_key, plate_colour)
);
INSERT INTO vehicles (id, plate_key, plate, plate_colour, country, vehicle_type, vin,
    owner_name, owner_address, owner_phone, owner_email, division_code, unit_path)
SELECT id, plate_key, plate, plate_colour, country, vehicle_type, vin,
    owner_name, owner_address, owner_phone, owner_email, division_code, unit_path
FROM vehicles_before_0011;
DROP TABLE vehicles_before_0011;
CREATE INDEX vehicles_plate ON vehicles(plate_key);
