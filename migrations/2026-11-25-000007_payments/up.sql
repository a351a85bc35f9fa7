-- Review-fee payments through a bank gateway (R9). Amounts are Rials.

CREATE TABLE payments (
    id             uuid PRIMARY KEY,
    request_id     uuid NOT NULL REFERENCES qualification_requests (id),
    officer_id     uuid NOT NULL REFERENCES officers (id),
    amount_rials   bigint NOT NULL CHECK (amount_rials > 0),
    status         text NOT NULL CHECK (status IN ('PENDING', 'PAID', 'FAILED', 'EXPIRED')),
    gateway        text NOT NULL,
    authority      text UNIQUE,
    reference_id   text,
    card_pan       text,
    failure_reason text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    paid_at        timestamptz,
    CHECK ((status = 'PAID') = (paid_at IS NOT NULL))
);
-- One active attempt per request, and never two payments of one request.
CREATE UNIQUE INDEX payments_one_pending_idx ON payments (request_id) WHERE status = 'PENDING';
CREATE UNIQUE INDEX payments_one_paid_idx ON payments (request_id) WHERE status = 'PAID';
CREATE INDEX payments_request_idx ON payments (request_id, created_at DESC);
-- Reconciliation reads the old pending attempts.
CREATE INDEX payments_pending_idx ON payments (created_at) WHERE status = 'PENDING';
