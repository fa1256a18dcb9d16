-- SEC-06, DAT-01, SHR-01: a partner's correction request (writeObjectOut) becomes an ordinary
-- data-modification request; this names the partner that submitted it (NULL for a person's).
ALTER TABLE corrections ADD COLUMN partner_id INTEGER REFERENCES partners(id);
