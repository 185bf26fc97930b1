-- Second factors. TOTP secrets are sealed with the installation's data key and
-- bound to their user; recovery codes are kept as SHA-256 and used once. A
-- person's factors are theirs alone: visible only with app.user_id set to them.
CREATE TABLE mfa_totp (
    user_id           uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed     bytea NOT NULL,
    confirmed_at      timestamptz,
    last_used_step    bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER mfa_totp_updated_at BEFORE UPDATE ON mfa_totp FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE mfa_recovery_codes (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mfa_recovery_codes_hash_key UNIQUE (user_id, code_hash)
);
CREATE TRIGGER mfa_recovery_codes_updated_at BEFORE UPDATE ON mfa_recovery_codes FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE mfa_totp ENABLE ROW LEVEL SECURITY;
ALTER TABLE mfa_totp FORCE ROW LEVEL SECURITY;
ALTER TABLE mfa_recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE mfa_recovery_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY mfa_totp_own ON mfa_totp
    USING (user_id = app_current_user()) WITH CHECK (user_id = app_current_user());
CREATE POLICY mfa_recovery_codes_own ON mfa_recovery_codes
    USING (user_id = app_current_user()) WITH CHECK (user_id = app_current_user());

GRANT SELECT, INSERT, UPDATE, DELETE ON mfa_totp, mfa_recovery_codes TO caucus_app;
