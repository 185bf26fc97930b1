-- Invitations: an organization invites a person by email to hold one role.
-- Only a SHA-256 of the link's token is stored; the token exists in memory and
-- in the email. A link is single-use (accepted_at), expires (expires_at), can be
-- revoked, and is bound to the invited address: the account it creates or
-- extends has exactly that email.

CREATE TABLE invitations (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES organizations (id),
    email       text NOT NULL,
    role_id     uuid NOT NULL REFERENCES roles (id),
    locale      text NOT NULL DEFAULT 'en',
    token_hash  bytea,
    invited_by  uuid REFERENCES users (id),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES users (id),
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT invitations_locale_known CHECK (locale IN ('en', 'es')),
    CONSTRAINT invitations_email_length CHECK (char_length(email) BETWEEN 3 AND 320)
);
CREATE INDEX invitations_org_created_idx ON invitations (org_id, created_at DESC);
CREATE TRIGGER invitations_updated_at BEFORE UPDATE ON invitations FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations
    USING (org_id = app_current_org())
    WITH CHECK (org_id = app_current_org());

-- Accepting happens before any tenant is known: the organization of a token.
CREATE FUNCTION unscoped_invitation_org(p_token_hash bytea)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT i.org_id FROM invitations i WHERE i.token_hash = p_token_hash $$;
REVOKE ALL ON FUNCTION unscoped_invitation_org(bytea) FROM PUBLIC;

GRANT SELECT, INSERT, UPDATE ON invitations TO caucus_app;
GRANT EXECUTE ON FUNCTION unscoped_invitation_org(bytea) TO caucus_app;
