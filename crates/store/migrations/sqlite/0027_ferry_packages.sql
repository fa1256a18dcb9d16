-- SHR-05: the packages the gateway ferry carried, both ways. An outbound row records which
-- outside request a package carries; an inbound row is an answer applied, keyed by the
-- package's own id, so a package put back into the folder is never applied twice.
CREATE TABLE ferry_packages (
    id           TEXT PRIMARY KEY,
    direction    TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    system       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    in_reply_to  TEXT NOT NULL DEFAULT '',
    request_id   INTEGER REFERENCES outside_requests(id),
    body         TEXT NOT NULL DEFAULT '',
    sha256       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX ferry_packages_reply ON ferry_packages(in_reply_to, at);
CREATE INDEX ferry_packages_at ON ferry_packages(at);
