-- Passkeys (WebAuthn credentials). A passkey belongs to a person, like their
-- other factors: visible only with app.user_id set to them. The stored JSON is
-- webauthn-rs's `Passkey`: the credential id, public key and signature counter
-- (nothing secret, but nobody else's business either).
CREATE TABLE passkeys (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id  bytea NOT NULL,
    passkey        jsonb NOT NULL,
    name           text NOT NULL,
    last_used_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id),
    CONSTRAINT passkeys_name_length CHECK (char_length(name) BETWEEN 1 AND 100)
);
CREATE INDEX passkeys_user_id ON passkeys (user_id);
CREATE TRIGGER passkeys_updated_at BEFORE UPDATE ON passkeys FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE passkeys ENABLE ROW LEVEL SECURITY;
ALTER TABLE passkeys FORCE ROW LEVEL SECURITY;
CREATE POLICY passkeys_own ON passkeys
    USING (user_id = app_current_user()) WITH CHECK (user_id = app_current_user());
GRANT SELECT, INSERT, UPDATE, DELETE ON passkeys TO caucus_app;

-- Passkey sign-in starts from an email address, before any tenant or user is
-- known: the active account's id and its passkeys, nothing else.
CREATE FUNCTION unscoped_passkeys_for_email(p_email text)
    RETURNS TABLE (user_id uuid, passkey jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT u.id, p.passkey
        FROM users u JOIN passkeys p ON p.user_id = u.id
        WHERE lower(u.email) = lower(p_email) AND u.status = 'active'
        ORDER BY p.created_at
    $$;
REVOKE ALL ON FUNCTION unscoped_passkeys_for_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION unscoped_passkeys_for_email(text) TO caucus_app;
