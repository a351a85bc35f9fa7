-- Dashboards (DESIGN §3.1, §4): how long each file has waited on the reviewer's side, and
-- how long its last review took, kept on the request so that the statistics are cheap
-- aggregates over indexed columns.
ALTER TABLE qualification_requests
    ADD COLUMN waiting_since  timestamptz,
    ADD COLUMN reviewed_at    timestamptz,
    ADD COLUMN review_seconds double precision;

-- waiting_since: when the file last came to the reviewer's side (submitted, or resubmitted
-- after deficiencies). reviewed_at / review_seconds: when the reviewer last sent it off that
-- side (deficiencies, approval, rejection) and how long it had waited. Set here, so that no
-- code path that changes a status can forget them.
CREATE FUNCTION qualification_requests_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'SUBMITTED' AND OLD.status IS DISTINCT FROM 'SUBMITTED' THEN
        NEW.waiting_since := COALESCE(NEW.submitted_at, now());
    ELSIF OLD.status = 'DEFICIENT' AND NEW.status = 'UNDER_REVIEW' THEN
        NEW.waiting_since := now();
    ELSIF OLD.status IN ('SUBMITTED', 'UNDER_REVIEW')
          AND NEW.status IN ('DEFICIENT', 'AWAITING_PAYMENT', 'REJECTED') THEN
        NEW.reviewed_at := now();
        NEW.review_seconds := EXTRACT(EPOCH FROM now() - OLD.waiting_since);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER qualification_requests_waiting BEFORE UPDATE OF status ON qualification_requests
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION qualification_requests_waiting();

-- Existing files: submitted_at, or the last resubmission in the log.
UPDATE qualification_requests SET waiting_since = submitted_at WHERE submitted_at IS NOT NULL;
UPDATE qualification_requests qr SET waiting_since = e.at
FROM (SELECT entity_id, max(occurred_at) AS at FROM events
      WHERE entity_type = 'qualification_request'
        AND from_status = 'DEFICIENT' AND to_status = 'UNDER_REVIEW'
      GROUP BY entity_id) e
WHERE e.entity_id = qr.id::text AND e.at > qr.waiting_since;

-- Overdue files: those on the reviewer's side that arrived before the cutoff (a range scan
-- that reads only the overdue ones).
CREATE INDEX qualification_requests_overdue_idx ON qualification_requests (waiting_since, university_id)
    WHERE status IN ('SUBMITTED', 'UNDER_REVIEW');
-- Median review time over the last 30 days: the registry's and per university.
CREATE INDEX qualification_requests_reviewed_idx ON qualification_requests (reviewed_at)
    WHERE reviewed_at IS NOT NULL;
CREATE INDEX qualification_requests_university_reviewed_idx ON qualification_requests (university_id, reviewed_at)
    WHERE reviewed_at IS NOT NULL;
-- The officers with a file at a university.
CREATE INDEX qualification_requests_university_officer_idx ON qualification_requests (university_id, officer_id);
-- Qualified officers.
CREATE INDEX officers_qualified_idx ON officers (id) WHERE qualification_status = 'QUALIFIED';
-- Payments verified today.
CREATE INDEX payments_paid_idx ON payments (paid_at) WHERE status = 'PAID';

-- Requests per university (0: not routed yet) and status, kept by statement-level triggers in
-- the writing transaction, so that the dashboards read a few dozen rows instead of counting
-- 300,000. Only keys whose count changed are written, in key order (no deadlock between two
-- writers).
CREATE TABLE request_counts (
    university_id integer NOT NULL,
    status        text    NOT NULL,
    n             bigint  NOT NULL,
    PRIMARY KEY (university_id, status)
);
INSERT INTO request_counts (university_id, status, n)
SELECT coalesce(university_id, 0), status, count(*) FROM qualification_requests GROUP BY 1, 2;

CREATE FUNCTION request_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO request_counts AS c (university_id, status, n)
        SELECT coalesce(university_id, 0), status, count(*) FROM new_rows
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (university_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO request_counts AS c (university_id, status, n)
        SELECT coalesce(university_id, 0), status, -count(*) FROM old_rows
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (university_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        INSERT INTO request_counts AS c (university_id, status, n)
        -- No join of the two tables (a bulk update would pair every row with every
        -- other): unchanged rows count -1 and +1 on the same key and cancel out.
        SELECT u, s, sum(d) FROM (
            SELECT coalesce(university_id, 0) AS u, status AS s, -1 AS d FROM old_rows
            UNION ALL
            SELECT coalesce(university_id, 0), status, 1 FROM new_rows
        ) k
        GROUP BY u, s HAVING sum(d) <> 0 ORDER BY u, s
        ON CONFLICT (university_id, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER request_counts_insert AFTER INSERT ON qualification_requests
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION request_counts_apply();
CREATE TRIGGER request_counts_update AFTER UPDATE ON qualification_requests
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION request_counts_apply();
CREATE TRIGGER request_counts_delete AFTER DELETE ON qualification_requests
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION request_counts_apply();
