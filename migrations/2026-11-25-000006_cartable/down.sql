ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval(pg_get_serial_sequence('events', 'id'));
DROP TRIGGER events_notify ON events;
DROP FUNCTION events_notify();
DROP TRIGGER events_commit_order ON events;
DROP FUNCTION events_commit_order();
DROP INDEX events_distributor_idx;
DROP INDEX events_university_idx;
DROP INDEX events_officer_idx;
ALTER TABLE events DROP COLUMN distributor_id, DROP COLUMN university_id, DROP COLUMN officer_id;
