CREATE OR REPLACE FUNCTION events_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    final_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(727270);
    final_id := nextval(pg_get_serial_sequence('events', 'id'));
    UPDATE events SET id = final_id WHERE id = NEW.id;
    PERFORM pg_notify('cartable_events', json_build_object(
        'id', final_id, 'at', NEW.occurred_at, 'type', NEW.entity_type, 'entity', NEW.entity_id,
        'action', NEW.action, 'from', NEW.from_status, 'to', NEW.to_status,
        'officer', NEW.officer_id, 'university', NEW.university_id, 'distributor', NEW.distributor_id
    )::text);
    RETURN NULL;
END $$;
ALTER TABLE events DROP COLUMN audience;
DROP TABLE message_attachments;
DROP TABLE message_recipients;
DROP TABLE messages;
