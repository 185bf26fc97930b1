-- Single sign-on: an organization's OpenID Connect connections. Client
-- secrets are sealed with the installation's data key (NULL: a public client
-- using PKCE alone). People signing in through a connection are matched by a
-- verified email address in one of its domains, and given its default role
-- the first time (just-in-time provisioning).
CREATE TABLE sso_connections (
    id                    uuid PRIMARY KEY,
    org_id                uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                  text NOT NULL,
    issuer                text NOT NULL,
    client_id             text NOT NULL,
    client_secret_sealed  bytea,
    email_domains         text[] NOT NULL,
    default_role          text NOT NULL,
    enabled               boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sso_connections_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT sso_connections_issuer_length CHECK (char_length(issuer) BETWEEN 1 AND 500),
    CONSTRAINT sso_connections_client_id_length CHECK (char_length(client_id) BETWEEN 1 AND 500),
    CONSTRAINT sso_connections_domains CHECK (cardinality(email_domains) BETWEEN 1 AND 20),
    CONSTRAINT sso_connections_default_role CHECK (default_role IN
        ('case_manager', 'mediator', 'party', 'party_representative', 'observer', 'billing_admin', 'compliance_officer'))
);
CREATE INDEX sso_connections_org_id ON sso_connections (org_id);
CREATE TRIGGER sso_connections_updated_at BEFORE UPDATE ON sso_connections FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE sso_connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE sso_connections FORCE ROW LEVEL SECURITY;
CREATE POLICY sso_connections_tenant ON sso_connections
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON sso_connections TO caucus_app;

-- Signing in through a connection starts before any tenant is known: the
-- organization of an enabled connection, nothing else.
CREATE FUNCTION unscoped_sso_connection_org(p_id uuid)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT org_id FROM sso_connections WHERE id = p_id AND enabled $$;
REVOKE ALL ON FUNCTION unscoped_sso_connection_org(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION unscoped_sso_connection_org(uuid) TO caucus_app;
