-- A broadcast's recipients, checked per statement instead of per row (issue 13's benchmark,
-- `benches/README.md`, "messages").
--
-- With foreign keys, PostgreSQL checks every inserted recipient row on its own: for each row
-- and each key a lookup and a row lock run in a trigger of their own. A broadcast to the
-- 100,000 officers of the national data took 3.5 s in its recipients' insert, 2.5 s of it in
-- these 200,000 checks (EXPLAIN ANALYZE: 0.87 s for the message, 1.58 s for the officers,
-- which also locks every officer row). The same guarantee, checked once per statement over
-- the rows it inserted (an anti-join), takes about 0.25 s for 100,000 rows.
--
-- What the foreign keys also did is kept by triggers: the keys of a recipient row cannot
-- change, and a message or an officer with recipient rows cannot be deleted or get another
-- id. Unlike a foreign key, the check takes no lock on the message and officer rows: a
-- recipient inserted while its officer is deleted in another transaction would not be
-- caught. The app deletes neither messages nor officers.

ALTER TABLE message_recipients
    DROP CONSTRAINT message_recipients_message_id_fkey,
    DROP CONSTRAINT message_recipients_officer_id_fkey;

CREATE FUNCTION message_recipients_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orphan record;
BEGIN
    -- Dynamic, so that it is planned for the rows at hand (one, or all officers) each time
    -- rather than reusing the plan made for another statement's rows.
    EXECUTE 'SELECT n.message_id, n.officer_id FROM inserted n
             WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = n.message_id)
                OR NOT EXISTS (SELECT 1 FROM officers o WHERE o.id = n.officer_id)
             LIMIT 1' INTO orphan;
    IF orphan.message_id IS NOT NULL THEN
        RAISE EXCEPTION 'a message recipient names no message (%) or no officer (%)',
            orphan.message_id, orphan.officer_id
            USING ERRCODE = 'foreign_key_violation', TABLE = 'message_recipients';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER message_recipients_inserted AFTER INSERT ON message_recipients
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION message_recipients_inserted();

CREATE FUNCTION message_recipients_keys_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the message and the officer of a recipient row do not change'
        USING ERRCODE = 'foreign_key_violation', TABLE = 'message_recipients';
END $$;

CREATE TRIGGER message_recipients_keys_fixed BEFORE UPDATE OF message_id, officer_id
    ON message_recipients FOR EACH ROW
    WHEN (OLD.message_id IS DISTINCT FROM NEW.message_id
          OR OLD.officer_id IS DISTINCT FROM NEW.officer_id)
    EXECUTE FUNCTION message_recipients_keys_fixed();

-- A message or an officer that recipient rows name keeps its id and is not deleted.
CREATE FUNCTION message_recipients_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_TABLE_NAME = 'messages'
            AND EXISTS (SELECT 1 FROM message_recipients WHERE message_id = OLD.id))
       OR (TG_TABLE_NAME = 'officers'
            AND EXISTS (SELECT 1 FROM message_recipients WHERE officer_id = OLD.id)) THEN
        RAISE EXCEPTION 'row % of % has message recipient rows', OLD.id, TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER messages_referenced BEFORE DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION message_recipients_referenced();
CREATE TRIGGER messages_id_referenced BEFORE UPDATE OF id ON messages
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION message_recipients_referenced();
CREATE TRIGGER officers_referenced BEFORE DELETE ON officers
    FOR EACH ROW EXECUTE FUNCTION message_recipients_referenced();
CREATE TRIGGER officers_id_referenced BEFORE UPDATE OF id ON officers
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION message_recipients_referenced();
