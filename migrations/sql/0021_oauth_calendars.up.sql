-- Google Calendar and Microsoft 365 connections beside CalDAV ones: the same
-- table (so busy times and exports keep pointing at calendar_connections),
-- told apart by `provider`. A CalDAV connection holds a sealed password; an
-- OAuth one its sealed refresh and access tokens and when the access token
-- expires. Sealed with XChaCha20-Poly1305 under the tenant key, bound to the
-- connection's id. Row-level security and grants are the table's own (0017).

ALTER TABLE calendar_connections
    ADD COLUMN provider text NOT NULL DEFAULT 'caldav',
    ALTER COLUMN password_sealed DROP NOT NULL,
    ADD COLUMN refresh_token_sealed bytea,
    ADD COLUMN access_token_sealed bytea,
    ADD COLUMN access_expires_at timestamptz,
    ADD CONSTRAINT calendar_connections_provider CHECK (provider IN ('caldav', 'google', 'microsoft')),
    ADD CONSTRAINT calendar_connections_secrets CHECK (
        CASE WHEN provider = 'caldav'
             THEN password_sealed IS NOT NULL AND refresh_token_sealed IS NULL AND access_token_sealed IS NULL
             ELSE password_sealed IS NULL AND refresh_token_sealed IS NOT NULL
        END
    );

-- The provider's own id of an exported event where the provider chooses it
-- (Microsoft Graph); Google events take a stable id made from the session's.
ALTER TABLE calendar_exports
    ADD COLUMN remote_id text,
    ADD CONSTRAINT calendar_exports_remote_id_length CHECK (char_length(remote_id) BETWEEN 1 AND 1024);
