-- Waiting for an earlier time: a booked session whose case would rather
-- meet sooner. When time frees up, the first waiting case (oldest request)
-- is offered the earliest time that suits it, for a limited time; then the
-- next. One open request per session.
CREATE TABLE session_waitlist (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    case_id          uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    session_id       uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    mediator_id      uuid NOT NULL REFERENCES users (id),
    requested_by     uuid REFERENCES users (id),
    status           text NOT NULL DEFAULT 'waiting',
    offered_start    timestamptz,
    offer_expires_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT session_waitlist_status_known CHECK (status IN ('waiting', 'offered', 'accepted', 'expired', 'withdrawn')),
    CONSTRAINT session_waitlist_offer_complete CHECK (status <> 'offered' OR (offered_start IS NOT NULL AND offer_expires_at IS NOT NULL))
);
CREATE UNIQUE INDEX session_waitlist_one_open ON session_waitlist (session_id) WHERE status IN ('waiting', 'offered');
CREATE INDEX session_waitlist_queue_idx ON session_waitlist (org_id, mediator_id, created_at) WHERE status IN ('waiting', 'offered');
CREATE TRIGGER session_waitlist_updated_at BEFORE UPDATE ON session_waitlist FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE session_waitlist ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_waitlist FORCE ROW LEVEL SECURITY;
CREATE POLICY session_waitlist_tenant ON session_waitlist
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE ON session_waitlist TO caucus_app;
