-- Issue 12 item 2: the registry is keyed by the plate's country, number and colour (the
-- colour says the plate type in both countries: a blue 浙E12345 and a yellow 浙E12345 are two
-- vehicles), not by the number alone, so one country's unit can no longer take over another
-- country's plate.
ALTER TABLE vehicles DROP CONSTRAINT vehicles_plate_key_key;
ALTER TABLE vehicles ADD CONSTRAINT vehicles_country_plate_colour_key
    UNIQUE (country, plate_key, plate_colour);
CREATE INDEX vehicles_plate ON vehicles(plate_key);
