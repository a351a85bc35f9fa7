DROP TRIGGER IF EXISTS users_rights_notify ON users;
DROP TRIGGER IF EXISTS sessions_revoked_notify ON sessions;
DROP FUNCTION IF EXISTS account_changes_notify();
