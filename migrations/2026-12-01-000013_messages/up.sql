-- The directorate's messages to officers (M1): to officers by id, to the officers of
-- provinces, or to all officers. The audience is resolved when the message is sent, into
-- one recipient row per officer (a set-based insert in the sending transaction): officers
-- registered later do not get old broadcasts, and an officer who moves keeps the messages
-- of the province they lived in. The recipient row keeps the read and acknowledgement
-- times. One event per message announces it to the cartables (fanned out by audience in
-- each instance, not one notification per recipient).

CREATE TABLE messages (
    id                  uuid PRIMARY KEY,
    subject             text NOT NULL CHECK (subject <> ''),
    body                text NOT NULL CHECK (body <> ''),
    priority            text NOT NULL CHECK (priority IN ('NORMAL', 'URGENT')),
    must_acknowledge    boolean NOT NULL DEFAULT false,
    -- What the admin asked for: {"allOfficers": true} | {"provinceIds": [..]} | {"officerIds": [..]}
    audience            jsonb NOT NULL,
    sent_by             uuid NOT NULL REFERENCES users (id),
    sent_at             timestamptz NOT NULL,
    recipients_count    integer NOT NULL CHECK (recipients_count >= 0)
);
CREATE INDEX messages_sent_idx ON messages (sent_at DESC, id DESC);

CREATE TABLE message_recipients (
    message_id      uuid NOT NULL REFERENCES messages (id),
    officer_id      uuid NOT NULL REFERENCES officers (id),
    -- The message's time, kept here so that an inbox is one index range.
    sent_at         timestamptz NOT NULL,
    read_at         timestamptz,
    acknowledged_at timestamptz,
    PRIMARY KEY (message_id, officer_id)
);
-- The inbox, newest first, and its unread part.
CREATE INDEX message_recipients_inbox_idx ON message_recipients (officer_id, sent_at DESC, message_id DESC);
CREATE INDEX message_recipients_unread_idx ON message_recipients (officer_id, sent_at DESC, message_id DESC)
    WHERE read_at IS NULL;

CREATE TABLE message_attachments (
    id           uuid PRIMARY KEY,
    message_id   uuid NOT NULL REFERENCES messages (id),
    file_name    text NOT NULL,
    content_type text NOT NULL CHECK (content_type = 'application/pdf'),
    size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage_key  text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_attachments_message_idx ON message_attachments (message_id, created_at);

-- A message event names its audience, so that each instance fans it out to the officers
-- it concerns: the notification carries it.
ALTER TABLE events ADD COLUMN audience jsonb;

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
        'officer', NEW.officer_id, 'university', NEW.university_id, 'distributor', NEW.distributor_id,
        'audience', NEW.audience
    )::text);
    RETURN NULL;
END $$;
