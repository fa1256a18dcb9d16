-- SHR-02: a partner's query over a county's records, newest first (the usual order), walks
-- this index back from the end of the span and stops after the page, checking the scope as it
-- goes, instead of sorting every record of the scope (100,000 in a county's year).
CREATE INDEX violations_time ON violations(occurred_at);
