-- SEC-05: signed checkpoints of the audit chain (PostgreSQL). The signature, made with a key
-- that is not in the database, is what is trusted; this table is only an index of the
-- checkpoint blobs in the write-once blob store (a witness keeps its own copy of the same
-- checkpoints).
CREATE TABLE audit_checkpoints (
    seq          BIGINT PRIMARY KEY,
    hash         TEXT NOT NULL,
    at_micros    BIGINT NOT NULL,
    key_id       TEXT NOT NULL,
    signature    TEXT NOT NULL,
    blob_sha256  TEXT NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
