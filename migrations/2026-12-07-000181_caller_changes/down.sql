DROP TRIGGER recent_writes_notify ON recent_writes;
DROP TRIGGER officers_changes_notify ON officers;
DROP TRIGGER users_changes_notify ON users;
DROP FUNCTION caller_changes_notify();
