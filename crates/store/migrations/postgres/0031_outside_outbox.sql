-- RID-10, SHR-04: the outbox page lists a county's requests to outside systems, newest first,
-- by the unit they are about.
CREATE INDEX outside_requests_unit ON outside_requests(unit_id, created_at);
