-- Instances keep signed-in callers (account, officer profile, last write) in memory between
-- requests; every change to what they keep must reach every instance at once. Besides the
-- rights and sessions announced already (2026-12-01 account_changes), an account's or an
-- officer's row changing, and a user's noted write (read-your-writes with a replica),
-- announce the user id on `account_changes`.
CREATE FUNCTION caller_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('account_changes', NEW.id::text);
    ELSE
        PERFORM pg_notify('account_changes', NEW.user_id::text);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_changes_notify
    AFTER UPDATE ON users
    FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW)
    EXECUTE FUNCTION caller_changes_notify();

CREATE TRIGGER officers_changes_notify
    AFTER UPDATE ON officers
    FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW)
    EXECUTE FUNCTION caller_changes_notify();

CREATE TRIGGER recent_writes_notify
    AFTER INSERT OR UPDATE ON recent_writes
    FOR EACH ROW
    EXECUTE FUNCTION caller_changes_notify();
