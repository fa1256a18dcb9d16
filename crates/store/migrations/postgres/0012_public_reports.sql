-- REV-05: photos and videos reported by the public go through the same review. A public report
-- is a capture without a device, so captures.device_id becomes nullable.
ALTER TABLE captures ALTER COLUMN device_id DROP NOT NULL;

-- The reporter of a public report and the code that proved their phone. The phone is personal
-- data: reviewers see it masked, and every read of a report is audited with the capture.
CREATE TABLE public_reports (
    capture_id  BIGINT PRIMARY KEY REFERENCES captures(id),
    unit_id     BIGINT NOT NULL REFERENCES units(id),
    phone       TEXT NOT NULL,
    source_ip   TEXT NOT NULL,
    lang        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX public_reports_phone ON public_reports(phone, created_at);
CREATE INDEX public_reports_source ON public_reports(source_ip, created_at);

-- REV-05 contact proof: a one-time code sent to the reporter's phone, kept only as a hash.
CREATE TABLE public_report_codes (
    id          BIGSERIAL PRIMARY KEY,
    phone       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    source_ip   TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used_at     TIMESTAMPTZ
);
CREATE INDEX public_report_codes_phone ON public_report_codes(phone, created_at);
CREATE INDEX public_report_codes_source ON public_report_codes(source_ip, created_at);
