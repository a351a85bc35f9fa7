-- Termination requests (C1, C2): an officer ends a contract with a distributor that has not
-- released them. A DRAFT takes effect when the officer finalises it (no university or
-- directorate approval): the contract ends, the branch loses its technical officer, and an
-- SMS goes to the distributor's management (written to the outbox in that transaction).

CREATE TABLE termination_requests (
    id             uuid PRIMARY KEY,
    contract_id    uuid NOT NULL REFERENCES contracts (id),
    officer_id     uuid NOT NULL REFERENCES officers (id),
    distributor_id uuid NOT NULL REFERENCES distributors (id),
    branch_id      uuid NOT NULL REFERENCES branches (id),
    status         text NOT NULL CHECK (status IN ('DRAFT', 'FINALIZED', 'CANCELLED')),
    reason         text NOT NULL CHECK (reason <> ''),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    finalized_at   timestamptz,
    CHECK ((status = 'FINALIZED') = (finalized_at IS NOT NULL))
);
-- One open (DRAFT) termination per contract.
CREATE UNIQUE INDEX termination_requests_one_draft_idx ON termination_requests (contract_id)
    WHERE status = 'DRAFT';
CREATE INDEX termination_requests_officer_idx ON termination_requests (officer_id, created_at DESC, id DESC);
-- A distributor's archive: the finalised terminations of its branches.
CREATE INDEX termination_requests_distributor_idx ON termination_requests (distributor_id, created_at DESC, id DESC)
    WHERE status = 'FINALIZED';
CREATE INDEX termination_requests_created_idx ON termination_requests (created_at DESC, id DESC);
