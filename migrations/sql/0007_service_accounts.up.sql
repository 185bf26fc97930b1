-- Partner API credentials: an organization's service accounts. Partner systems
-- exchange client id and secret (OAuth2 client credentials) for short-lived,
-- scoped bearer tokens. Only a SHA-256 of the secret (256 random bits) is kept.
CREATE TABLE service_accounts (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    name        text NOT NULL,
    client_id   text NOT NULL,
    secret_hash bytea NOT NULL,
    scopes      text[] NOT NULL,
    created_by  uuid REFERENCES users (id),
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT service_accounts_client_id_key UNIQUE (client_id),
    CONSTRAINT service_accounts_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT service_accounts_scopes_known CHECK (scopes <@ ARRAY['org:read', 'members:read', 'audit:read']::text[])
);
CREATE INDEX service_accounts_org_idx ON service_accounts (org_id, created_at DESC);
CREATE TRIGGER service_accounts_updated_at BEFORE UPDATE ON service_accounts FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE service_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY service_accounts_tenant ON service_accounts
    USING (org_id = app_current_org())
    WITH CHECK (org_id = app_current_org());

-- The token endpoint authenticates a client before any tenant is known.
CREATE FUNCTION unscoped_service_account(p_client_id text)
    RETURNS TABLE (id uuid, org_id uuid, secret_hash bytea, scopes text[], revoked boolean)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT s.id, s.org_id, s.secret_hash, s.scopes, s.revoked_at IS NOT NULL
        FROM service_accounts s WHERE s.client_id = p_client_id
    $$;
REVOKE ALL ON FUNCTION unscoped_service_account(text) FROM PUBLIC;

GRANT SELECT, INSERT, UPDATE ON service_accounts TO caucus_app;
GRANT EXECUTE ON FUNCTION unscoped_service_account(text) TO caucus_app;
