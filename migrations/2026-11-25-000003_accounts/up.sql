-- Accounts, sessions, login throttling, distributors and the append-only event log.

CREATE TABLE distributors (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('COMPANY', 'GUILD')),
    national_id    text NOT NULL UNIQUE CHECK (national_id ~ '^[0-9]{11}$'),
    manager_mobile text NOT NULL CHECK (manager_mobile ~ '^09[0-9]{9}$'),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE branches (
    id             uuid PRIMARY KEY,
    distributor_id uuid NOT NULL REFERENCES distributors (id),
    name           text NOT NULL,
    is_central     boolean NOT NULL DEFAULT false,
    province_id    integer NOT NULL REFERENCES provinces (id),
    city_id        integer NOT NULL REFERENCES cities (id),
    address        text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX branches_distributor_idx ON branches (distributor_id);
-- A distributor has exactly one central branch (created with it).
CREATE UNIQUE INDEX branches_one_central_idx ON branches (distributor_id) WHERE is_central;

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    user_code      text NOT NULL UNIQUE CHECK (user_code ~ '^[A-Za-z0-9._-]{3,64}$'),
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('OFFICER', 'DISTRIBUTOR', 'UNIVERSITY_REVIEWER', 'DIRECTORATE_ADMIN')),
    display_name   text NOT NULL,
    university_id  integer REFERENCES universities (id),
    distributor_id uuid REFERENCES distributors (id),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- A reviewer belongs to exactly one university, a distributor account to one distributor.
    CONSTRAINT users_reviewer_university CHECK ((role = 'UNIVERSITY_REVIEWER') = (university_id IS NOT NULL)),
    CONSTRAINT users_distributor_link CHECK ((role = 'DISTRIBUTOR') = (distributor_id IS NOT NULL))
);
CREATE INDEX users_university_idx ON users (university_id) WHERE university_id IS NOT NULL;

-- Refresh tokens, stored as SHA-256 digests. Each use spends the token and issues the next one
-- in the same family; presenting a spent token revokes the whole family (token theft).
CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    spent_at    timestamptz,
    revoked_at  timestamptz,
    client_addr text
);
CREATE INDEX sessions_family_idx ON sessions (family_id);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Failed-login counters per key ("user:<code>" or "addr:<ip>"), kept in the database so that
-- every server instance sees the same counts.
CREATE TABLE login_throttle (
    key               text PRIMARY KEY,
    failures          integer NOT NULL,
    window_started_at timestamptz NOT NULL,
    locked_until      timestamptz
);

-- The append-only event log: history of every object, audit trail, source of cartable events.
CREATE TABLE events (
    id            bigserial PRIMARY KEY,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    actor_user_id uuid REFERENCES users (id),
    actor_role    text CHECK (actor_role IN ('OFFICER', 'DISTRIBUTOR', 'UNIVERSITY_REVIEWER', 'DIRECTORATE_ADMIN')),
    entity_type   text NOT NULL,
    entity_id     text NOT NULL,
    action        text NOT NULL,
    from_status   text,
    to_status     text,
    note          text,
    data          jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_entity_idx ON events (entity_type, entity_id, id);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
