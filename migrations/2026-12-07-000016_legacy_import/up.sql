-- The legacy migration (S0.2, `officer-registry import-legacy`): what each imported row became,
-- and the values it was imported with. A later export is compared with these values: a field
-- whose value in the registry is still the imported one is updated, one changed since is
-- reported as a conflict. A second run of the same export finds every row unchanged.

CREATE TABLE legacy_officers (
    officer_id    uuid PRIMARY KEY REFERENCES officers (id),
    national_code text NOT NULL UNIQUE,
    user_id       uuid NOT NULL UNIQUE REFERENCES users (id),
    -- The imported values, by field name, as text (null for an empty field).
    imported      jsonb NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE legacy_distributors (
    legacy_id      text PRIMARY KEY,
    distributor_id uuid NOT NULL UNIQUE REFERENCES distributors (id),
    user_id        uuid NOT NULL UNIQUE REFERENCES users (id),
    imported       jsonb NOT NULL,
    imported_at    timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE legacy_assignments (
    officer_id     uuid PRIMARY KEY REFERENCES officers (id),
    distributor_id uuid NOT NULL REFERENCES distributors (id),
    contract_id    uuid NOT NULL UNIQUE REFERENCES contracts (id),
    started_at     timestamptz NOT NULL,
    imported_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX legacy_assignments_distributor_idx ON legacy_assignments (distributor_id);
