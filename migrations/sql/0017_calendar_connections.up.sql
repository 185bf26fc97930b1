-- Two-way free/busy with a mediator's own CalDAV calendar: the connection
-- (its password sealed with the organization's key), the busy times read
-- from it (mediator_busy rows with source 'calendar' and the connection's
-- id), and which sessions were written to it, at which SEQUENCE.

CREATE TABLE calendar_connections (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id),
    url             text NOT NULL,
    username        text NOT NULL,
    -- XChaCha20-Poly1305 under the tenant key, bound to the connection's id.
    password_sealed bytea NOT NULL,
    last_synced_at  timestamptz,
    -- Our own short words for the last failure (never the server's reply).
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_connections_once UNIQUE (org_id, user_id, url),
    CONSTRAINT calendar_connections_url_length CHECK (char_length(url) BETWEEN 1 AND 2048),
    CONSTRAINT calendar_connections_username_length CHECK (char_length(username) BETWEEN 1 AND 256),
    CONSTRAINT calendar_connections_error_length CHECK (char_length(last_error) <= 200)
);
CREATE INDEX calendar_connections_user_idx ON calendar_connections (org_id, user_id);
CREATE TRIGGER calendar_connections_updated_at BEFORE UPDATE ON calendar_connections FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE calendar_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_connections FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_connections_tenant ON calendar_connections
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_connections TO caucus_app;

-- Busy times read from a connected calendar go when the connection goes.
ALTER TABLE mediator_busy
    ADD COLUMN connection_id uuid REFERENCES calendar_connections (id) ON DELETE CASCADE,
    ADD CONSTRAINT mediator_busy_connection_is_calendar CHECK (connection_id IS NULL OR source = 'calendar');
CREATE INDEX mediator_busy_connection_idx ON mediator_busy (connection_id) WHERE connection_id IS NOT NULL;

-- The sessions written to a connected calendar, as `<resource>.ics`, and
-- the SEQUENCE written: a higher one is written again, a cancelled session
-- is deleted there and its row here.
CREATE TABLE calendar_exports (
    org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    connection_id uuid NOT NULL REFERENCES calendar_connections (id) ON DELETE CASCADE,
    session_id    uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    sequence      integer NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, session_id)
);
CREATE TRIGGER calendar_exports_updated_at BEFORE UPDATE ON calendar_exports FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE calendar_exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_exports FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_exports_tenant ON calendar_exports
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_exports TO caucus_app;
