-- BWC-08: a request keeps the unit it was filed from, so a superior body's retrieval is
-- recorded as that body's (the footage's unit stays in unit_id; its head decides). Requests
-- filed before this migration have no requesting unit on record.
ALTER TABLE access_requests ADD COLUMN requesting_unit_id BIGINT REFERENCES units(id);
