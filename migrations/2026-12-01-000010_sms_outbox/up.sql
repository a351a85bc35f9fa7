-- The transactional outbox of text messages: a row is written by the same transaction as
-- the state change it announces (DESIGN §2, SMS), and a sender delivers it afterwards with
-- retries. The row's id is the `localid` given to the provider, so a row whose outcome is
-- unknown (a timeout, a crash) can be looked up there instead of being sent twice. Rows are
-- kept once sent (the audit trail).

CREATE TABLE sms_outbox (
    id                  bigserial PRIMARY KEY,
    receptor            text NOT NULL CHECK (receptor ~ '^09[0-9]{9}$'),
    message             text NOT NULL CHECK (message <> ''),
    -- Why it is sent, and about what (for the admins' view and the audit trail).
    purpose             text NOT NULL,
    entity_type         text,
    entity_id           text,
    status              text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    last_error          text,
    provider_message_id text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    CHECK ((status = 'SENT') = (sent_at IS NOT NULL))
);
-- What a sender takes next: due rows, oldest first.
CREATE INDEX sms_outbox_due_idx ON sms_outbox (next_attempt_at, id) WHERE status = 'PENDING';
-- The admins' list, newest first.
CREATE INDEX sms_outbox_created_idx ON sms_outbox (created_at DESC, id DESC);

-- Wakes the senders at commit (they poll as well).
CREATE FUNCTION sms_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sms_outbox', NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER sms_outbox_notify AFTER INSERT ON sms_outbox
    FOR EACH ROW EXECUTE FUNCTION sms_outbox_notify();
