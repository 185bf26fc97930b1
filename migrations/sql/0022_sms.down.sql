DROP TABLE IF EXISTS sms_outbox;
DELETE FROM session_notices WHERE channel <> 'email';
ALTER TABLE session_notices DROP CONSTRAINT IF EXISTS session_notices_channel_known;
ALTER TABLE session_notices DROP CONSTRAINT IF EXISTS session_notices_once;
ALTER TABLE session_notices ADD CONSTRAINT session_notices_once
    UNIQUE (session_id, user_id, kind, reminder_minutes, sequence, scheduled_for);
ALTER TABLE session_notices DROP COLUMN IF EXISTS channel;
