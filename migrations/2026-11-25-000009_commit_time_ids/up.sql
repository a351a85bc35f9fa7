-- Event ids in commit order, with the lock held only inside PostgreSQL.
--
-- Before: the insert trigger took the commit-order lock and drew the id, and the lock was held
-- until COMMIT arrived from the application: under load (a server busy fanning events out)
-- every event-writing transaction queued behind one waiting for its next turn on a worker.
-- Now: the insert takes a provisional (negative) id without any lock; a deferred constraint
-- trigger, run inside COMMIT, takes the lock, gives the row its final id and sends the
-- notification. The lock is held from there to the end of the commit only, and ids still
-- follow commit order: once event N is visible, every event below N is too.

CREATE SEQUENCE events_provisional_id_seq;

CREATE OR REPLACE FUNCTION events_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.id := -nextval('events_provisional_id_seq');
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The one change allowed: the final id given at commit to a provisional row.
    IF TG_OP = 'UPDATE' AND OLD.id < 0 AND NEW.id > 0
       AND (to_jsonb(NEW) - 'id') = (to_jsonb(OLD) - 'id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the event log is append-only';
END $$;

CREATE FUNCTION events_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE CONSTRAINT TRIGGER events_at_commit AFTER INSERT ON events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION events_at_commit();

DROP TRIGGER events_notify ON events;
DROP FUNCTION events_notify();
