-- A payment the gateway verifies is recorded, even when another attempt of the same request
-- was paid first (an attempt failed on a forged callback and paid later in a second tab):
-- the bank holds the money, so the row says PAID and it is refunded by hand. The request is
-- still completed once (its own state machine guards that), so "one paid attempt per
-- request" is no longer an invariant of the table.
DROP INDEX IF EXISTS payments_one_paid_idx;
CREATE INDEX IF NOT EXISTS payments_paid_idx ON payments (request_id) WHERE status = 'PAID';
