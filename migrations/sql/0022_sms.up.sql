-- SMS session notices. A notice goes out by email and, to people who opted in
-- and gave a mobile number, by SMS: each channel is its own job, and its own
-- row in `session_notices`, under the same exactly-once key plus the channel.
ALTER TABLE session_notices ADD COLUMN channel text NOT NULL DEFAULT 'email';
ALTER TABLE session_notices DROP CONSTRAINT session_notices_once;
ALTER TABLE session_notices ADD CONSTRAINT session_notices_once
    UNIQUE (session_id, user_id, channel, kind, reminder_minutes, sequence, scheduled_for);
ALTER TABLE session_notices ADD CONSTRAINT session_notices_channel_known
    CHECK (channel IN ('email', 'sms'));

-- The development SMS provider: messages are kept here instead of being sent,
-- in the same transaction as their `session_notices` row, and org admins read
-- them in the admin portal. The number and the body are sealed with the
-- organization's key (bound to the row's id); `to_last_digits` is what the
-- portal shows of the number.
CREATE TABLE sms_outbox (
    id             uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    session_id     uuid REFERENCES sessions (id) ON DELETE SET NULL,
    to_sealed      bytea NOT NULL,
    to_last_digits text NOT NULL,
    body_sealed    bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sms_outbox_last_digits CHECK (to_last_digits ~ '^[0-9]{0,4}$')
);
CREATE INDEX sms_outbox_org_created_idx ON sms_outbox (org_id, created_at DESC, id DESC);
CREATE TRIGGER sms_outbox_updated_at BEFORE UPDATE ON sms_outbox FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE sms_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE sms_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY sms_outbox_tenant ON sms_outbox
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON sms_outbox TO caucus_app;
