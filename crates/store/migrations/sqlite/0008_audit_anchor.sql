-- SEC-05: signed checkpoints of the audit chain (SQLite). The signature, made with a key that
-- is not in the database, is what is trusted; this table is only an index of the checkpoint
-- blobs in the write-once blob store (a witness keeps its own copy of the same checkpoints).
CREATE TABLE audit_checkpoints (
    seq          INTEGER PRIMARY KEY,
    hash         TEXT NOT NULL,
    at_micros    INTEGER NOT NULL,
    key_id       TEXT NOT NULL,
    signature    TEXT NOT NULL,
    blob_sha256  TEXT NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
