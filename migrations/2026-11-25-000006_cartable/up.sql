-- Cartable events: who each event concerns, ids in commit order, and a notification per event.

ALTER TABLE events
    ADD COLUMN officer_id     uuid,
    ADD COLUMN university_id  integer,
    ADD COLUMN distributor_id uuid;
CREATE INDEX events_officer_idx ON events (officer_id, id) WHERE officer_id IS NOT NULL;
CREATE INDEX events_university_idx ON events (university_id, id) WHERE university_id IS NOT NULL;
CREATE INDEX events_distributor_idx ON events (distributor_id, id) WHERE distributor_id IS NOT NULL;

-- Event ids follow commit order: a transaction takes this lock before its first event row and
-- holds it to commit, and only then draws the id. So once event N is visible, every event
-- below N that will ever exist is visible too: resuming "after N" misses nothing, and the
-- notifications (delivered in commit order) arrive in id order.
CREATE FUNCTION events_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(727270);
    NEW.id := nextval(pg_get_serial_sequence('events', 'id'));
    RETURN NEW;
END $$;
CREATE TRIGGER events_commit_order BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_commit_order();
-- The trigger draws the id; the column default would draw one more.
ALTER TABLE events ALTER COLUMN id DROP DEFAULT;

-- One notification per event, sent at commit, with what the fan-out needs to route it.
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cartable_events', json_build_object(
        'id', NEW.id, 'at', NEW.occurred_at, 'type', NEW.entity_type, 'entity', NEW.entity_id,
        'action', NEW.action, 'from', NEW.from_status, 'to', NEW.to_status,
        'officer', NEW.officer_id, 'university', NEW.university_id, 'distributor', NEW.distributor_id
    )::text);
    RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_notify();
