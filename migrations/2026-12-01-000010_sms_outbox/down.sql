DROP TRIGGER sms_outbox_notify ON sms_outbox;
DROP FUNCTION sms_outbox_notify();
DROP TABLE sms_outbox;
