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

-- Overdue files and the waiting count per university: the files on the reviewer's side.
CREATE INDEX qualification_requests_overdue_idx ON qualification_requests (university_id, waiting_since)
    WHERE status IN ('SUBMITTED', 'UNDER_REVIEW');
-- Median review time over the last 30 days per university.
CREATE INDEX qualification_requests_reviewed_idx ON qualification_requests (university_id, reviewed_at)
    WHERE reviewed_at IS NOT NULL;
-- Payments verified today.
CREATE INDEX payments_paid_idx ON payments (paid_at) WHERE status = 'PAID';
