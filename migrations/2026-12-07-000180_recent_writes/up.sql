-- When each user last changed something (kept only when a read replica is configured): a
-- user's list reads go to the primary until the replica has replayed past this instant, so
-- a caller always sees its own writes.
CREATE TABLE recent_writes (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    written_at timestamptz NOT NULL
);
