-- Issue 14: state that outlives a restart and is shared by every server of a cluster.
-- REV-01: the captures a reviewer passed over, kept from coming straight back to them.
CREATE TABLE review_skips (
    reviewer_id  BIGINT NOT NULL REFERENCES users(id),
    capture_id   BIGINT NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (reviewer_id, capture_id)
);
-- NOT-02a: keys made once per installation (the owner's photo links are signed with one).
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY,
    key_hex     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
