DROP TRIGGER events_at_commit ON events;
DROP FUNCTION events_at_commit();
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
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END $$;
CREATE OR REPLACE FUNCTION events_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(727270);
    NEW.id := nextval(pg_get_serial_sequence('events', 'id'));
    RETURN NEW;
END $$;
DROP SEQUENCE events_provisional_id_seq;
