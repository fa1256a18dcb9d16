-- RID-05: a face base library photo is kept write-once in the blob store and named by its
-- vector; a newer photo of the same person supersedes it (the retention job then removes it).
-- SEC-10: an event's face photo and its vectors are purged when the configured retention ends
-- (`riders.face_retention_days`); the event row stays, with the time its face was purged.
ALTER TABLE face_vectors ADD COLUMN photo_blob TEXT;
ALTER TABLE face_vectors ADD COLUMN superseded_at TEXT;
ALTER TABLE rider_events ADD COLUMN face_purged_at TEXT;
CREATE INDEX face_vectors_superseded ON face_vectors(superseded_at) WHERE superseded_at IS NOT NULL;
CREATE INDEX face_vectors_photo_blob ON face_vectors(photo_blob) WHERE photo_blob IS NOT NULL;
CREATE INDEX rider_events_face_kept ON rider_events(received_at, id) WHERE face_purged_at IS NULL;
CREATE INDEX rider_events_face_blob ON rider_events(face_blob) WHERE face_blob IS NOT NULL;
