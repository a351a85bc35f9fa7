-- The reviewer's default cartable (files waiting: SUBMITTED, UNDER_REVIEW, DEFICIENT), in
-- the order it is read: a page is an index range scan instead of a sort of the whole queue.
CREATE INDEX qualification_requests_waiting_idx ON qualification_requests (university_id, submitted_at, id)
    WHERE status IN ('SUBMITTED', 'UNDER_REVIEW', 'DEFICIENT');
