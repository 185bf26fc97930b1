-- Session notices: the confirmation, reminder, reschedule and cancellation
-- emails of a booked session, each with its calendar invitation, delivered
-- by jobs. One row per recipient and notice. A delivery inserts its row
-- first, hands the message to SMTP while the row is still uncommitted, and
-- commits after SMTP accepted it: a second worker delivering the same notice
-- waits on the unique key and then skips it; a worker that dies before
-- committing leaves no row, so the notice is sent again, never lost.
-- `scheduled_for` is part of the key so that a notice for a new time is
-- never mistaken for one already sent for the old time.
CREATE TABLE session_notices (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    session_id       uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES users (id),
    kind             text NOT NULL,
    reminder_minutes integer NOT NULL DEFAULT 0,
    sequence         integer NOT NULL,
    scheduled_for    timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT session_notices_once UNIQUE (session_id, user_id, kind, reminder_minutes, sequence, scheduled_for),
    CONSTRAINT session_notices_kind_known CHECK (kind IN ('confirmation', 'reminder', 'rescheduled', 'cancelled')),
    CONSTRAINT session_notices_reminder_minutes CHECK ((kind = 'reminder') = (reminder_minutes > 0))
);
CREATE INDEX session_notices_session_idx ON session_notices (org_id, session_id);
CREATE TRIGGER session_notices_updated_at BEFORE UPDATE ON session_notices FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE session_notices ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_notices FORCE ROW LEVEL SECURITY;
CREATE POLICY session_notices_tenant ON session_notices
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT ON session_notices TO caucus_app;

-- A mediator's private calendar subscription in one organization: only the
-- SHA-256 of the address's token is kept. The token starts with the
-- organization's id, so the feed is looked up under that organization's
-- row-level security, with no unscoped lookup. One feed per mediator and
-- organization: creating another replaces it, deleting it revokes it.
CREATE TABLE calendar_feeds (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id),
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_feeds_one_per_user UNIQUE (org_id, user_id),
    CONSTRAINT calendar_feeds_token_hash_key UNIQUE (token_hash),
    CONSTRAINT calendar_feeds_token_hash_length CHECK (octet_length(token_hash) = 32)
);
CREATE TRIGGER calendar_feeds_updated_at BEFORE UPDATE ON calendar_feeds FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_feeds_tenant ON calendar_feeds
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_feeds TO caucus_app;
