-- Cooperation requests (C3, C4) and contracts: a distributor proposes a qualified officer
-- (R8) as the technical officer of one of its branches; the officer accepts or declines;
-- an accepted request goes to the university covering the branch's city, else its province,
-- whose approval starts the contract. DESIGN §2 "Cooperation request and contract".

CREATE TABLE cooperation_requests (
    id             uuid PRIMARY KEY,
    branch_id      uuid NOT NULL REFERENCES branches (id),
    distributor_id uuid NOT NULL REFERENCES distributors (id),
    officer_id     uuid NOT NULL REFERENCES officers (id),
    status         text NOT NULL CHECK (status IN ('PENDING_OFFICER', 'PENDING_UNIVERSITY',
                       'APPROVED', 'DECLINED_BY_OFFICER', 'REJECTED_BY_UNIVERSITY', 'WITHDRAWN',
                       'EXPIRED')),
    -- The university the request was routed to when the officer accepted it.
    university_id  integer REFERENCES universities (id),
    -- The officer's reason for declining, the reviewer's note when rejecting.
    decline_reason text,
    rejection_note text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- An unanswered request expires then (COOPERATION_EXPIRY_DAYS after the proposal).
    expires_at     timestamptz NOT NULL,
    CHECK ((status IN ('PENDING_OFFICER', 'DECLINED_BY_OFFICER', 'WITHDRAWN', 'EXPIRED'))
           OR university_id IS NOT NULL)
);
-- A branch has at most one open proposal, also under a race.
CREATE UNIQUE INDEX cooperation_requests_one_open_idx ON cooperation_requests (branch_id)
    WHERE status IN ('PENDING_OFFICER', 'PENDING_UNIVERSITY');
CREATE INDEX cooperation_requests_officer_idx ON cooperation_requests (officer_id, created_at DESC, id DESC);
CREATE INDEX cooperation_requests_distributor_idx ON cooperation_requests (distributor_id, created_at DESC, id DESC);
CREATE INDEX cooperation_requests_university_idx ON cooperation_requests (university_id, created_at, id)
    WHERE university_id IS NOT NULL;
CREATE INDEX cooperation_requests_created_idx ON cooperation_requests (created_at DESC, id DESC);
-- What the expiry job reads.
CREATE INDEX cooperation_requests_expiry_idx ON cooperation_requests (expires_at)
    WHERE status = 'PENDING_OFFICER';

-- A contract: an officer working as the technical officer of a branch, from its start to its
-- end (the distributor releasing the officer, or the officer's finalised termination, C1).
-- A migrated working relationship (S0.2) has no cooperation request.
CREATE TABLE contracts (
    id                     uuid PRIMARY KEY,
    officer_id             uuid NOT NULL REFERENCES officers (id),
    branch_id              uuid NOT NULL REFERENCES branches (id),
    distributor_id         uuid NOT NULL REFERENCES distributors (id),
    cooperation_request_id uuid UNIQUE REFERENCES cooperation_requests (id),
    university_id          integer REFERENCES universities (id),
    status                 text NOT NULL CHECK (status IN ('ACTIVE', 'ENDED')),
    started_at             timestamptz NOT NULL,
    ended_at               timestamptz,
    end_reason             text,
    ended_by               text CHECK (ended_by IN ('RELEASE', 'TERMINATION')),
    created_at             timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'ACTIVE') = (ended_at IS NULL)),
    CHECK ((status = 'ACTIVE') = (ended_by IS NULL))
);
-- A branch has at most one active technical officer.
CREATE UNIQUE INDEX contracts_one_active_per_branch_idx ON contracts (branch_id) WHERE status = 'ACTIVE';
CREATE INDEX contracts_officer_idx ON contracts (officer_id, started_at DESC, id DESC);
CREATE INDEX contracts_officer_active_idx ON contracts (officer_id) WHERE status = 'ACTIVE';
CREATE INDEX contracts_distributor_idx ON contracts (distributor_id, started_at DESC, id DESC);
CREATE INDEX contracts_university_idx ON contracts (university_id, started_at DESC, id DESC)
    WHERE university_id IS NOT NULL;
CREATE INDEX contracts_started_idx ON contracts (started_at DESC, id DESC);

-- Public verification is looked up by national code (the unique constraint indexes it) and
-- throttled per client address in login_throttle.
