DROP INDEX IF EXISTS payments_paid_idx;
CREATE UNIQUE INDEX payments_one_paid_idx ON payments (request_id) WHERE status = 'PAID';
