DROP TRIGGER request_counts_delete ON qualification_requests;
DROP TRIGGER request_counts_update ON qualification_requests;
DROP TRIGGER request_counts_insert ON qualification_requests;
DROP FUNCTION request_counts_apply();
DROP TABLE request_counts;
DROP INDEX payments_paid_idx;
DROP INDEX officers_qualified_idx;
DROP INDEX qualification_requests_university_officer_idx;
DROP INDEX qualification_requests_university_reviewed_idx;
DROP INDEX qualification_requests_reviewed_idx;
DROP INDEX qualification_requests_overdue_idx;
DROP TRIGGER qualification_requests_waiting ON qualification_requests;
DROP FUNCTION qualification_requests_waiting();
ALTER TABLE qualification_requests
    DROP COLUMN review_seconds,
    DROP COLUMN reviewed_at,
    DROP COLUMN waiting_since;
