DROP TRIGGER officers_id_referenced ON officers;
DROP TRIGGER officers_referenced ON officers;
DROP TRIGGER messages_id_referenced ON messages;
DROP TRIGGER messages_referenced ON messages;
DROP FUNCTION message_recipients_referenced();
DROP TRIGGER message_recipients_keys_fixed ON message_recipients;
DROP FUNCTION message_recipients_keys_fixed();
DROP TRIGGER message_recipients_inserted ON message_recipients;
DROP FUNCTION message_recipients_inserted();
ALTER TABLE message_recipients
    ADD CONSTRAINT message_recipients_message_id_fkey
        FOREIGN KEY (message_id) REFERENCES messages (id),
    ADD CONSTRAINT message_recipients_officer_id_fkey
        FOREIGN KEY (officer_id) REFERENCES officers (id);
