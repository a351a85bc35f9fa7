-- Open WebSockets must learn at once when their caller's rights change: an ended session
-- (logout, reuse of a refresh token, account disabled) or a changed role or active flag
-- announces the user id on `account_changes`; every instance's listener tells its sockets,
-- which re-check the caller and close when it is no longer signed in. Triggers, so that no
-- code path that ends a session can forget it.
CREATE FUNCTION account_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('account_changes', NEW.user_id::text);
    ELSE
        PERFORM pg_notify('account_changes', NEW.id::text);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_revoked_notify
    AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION account_changes_notify();

CREATE TRIGGER users_rights_notify
    AFTER UPDATE OF active, role, university_id, distributor_id ON users
    FOR EACH ROW
    WHEN (OLD.active IS DISTINCT FROM NEW.active
          OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.university_id IS DISTINCT FROM NEW.university_id
          OR OLD.distributor_id IS DISTINCT FROM NEW.distributor_id)
    EXECUTE FUNCTION account_changes_notify();
