-- Foundation: organizations (tenants), users, profiles, roles and per-organization
-- role grants, with row-level security.
--
-- Tenant context is set per transaction by the API's one tenant helper:
--   set_config('app.org_id', <uuid>, true), set_config('app.user_id', <uuid>, true)
-- Outside such a transaction both settings read as '' and every policy below
-- matches nothing.

DO $$
BEGIN
    CREATE ROLE caucus_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- the role is cluster-wide; another database created it first
END
$$;

CREATE FUNCTION app_current_org() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$;

CREATE FUNCTION app_current_user() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

-- Organizations: the tenants themselves. Their id is the tenant key.
CREATE TABLE organizations (
    id                 uuid PRIMARY KEY,
    slug               text NOT NULL,
    name               text NOT NULL,
    tier               text NOT NULL DEFAULT 'standard',
    settings_json      jsonb NOT NULL DEFAULT '{}'::jsonb,
    billing_account_id text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_slug_key UNIQUE (slug),
    CONSTRAINT organizations_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    CONSTRAINT organizations_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT organizations_tier_known CHECK (tier IN ('standard', 'professional', 'enterprise'))
);

-- Users are people; one person may hold roles in several organizations.
CREATE TABLE users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL,
    hashed_password text,
    auth_provider   text NOT NULL DEFAULT 'password',
    mfa_enabled     boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'active',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_status_known CHECK (status IN ('active', 'suspended', 'deleted')),
    CONSTRAINT users_email_length CHECK (char_length(email) BETWEEN 3 AND 320)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE profiles (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    locale       text NOT NULL DEFAULT 'en',
    timezone     text NOT NULL DEFAULT 'UTC',
    contact_info jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT profiles_locale_known CHECK (locale IN ('en', 'es')),
    CONSTRAINT profiles_name_length CHECK (char_length(name) BETWEEN 1 AND 200)
);

-- The role catalogue is global reference data, identical for every tenant.
CREATE TABLE roles (
    id          uuid PRIMARY KEY,
    key         text NOT NULL,
    description text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT roles_key_key UNIQUE (key)
);

INSERT INTO roles (id, key, description) VALUES
    ('00000000-0000-7000-8000-000000000001', 'platform_operator', 'Operates the Caucus installation'),
    ('00000000-0000-7000-8000-000000000002', 'org_admin', 'Administers an organization'),
    ('00000000-0000-7000-8000-000000000003', 'case_manager', 'Runs cases from intake to close'),
    ('00000000-0000-7000-8000-000000000004', 'mediator', 'Mediates cases'),
    ('00000000-0000-7000-8000-000000000005', 'party', 'A party to a dispute'),
    ('00000000-0000-7000-8000-000000000006', 'party_representative', 'Counsel acting for a party'),
    ('00000000-0000-7000-8000-000000000007', 'observer', 'Interpreter or trainee, without speaking rights'),
    ('00000000-0000-7000-8000-000000000008', 'billing_admin', 'Manages fees, invoices and refunds'),
    ('00000000-0000-7000-8000-000000000009', 'compliance_officer', 'Reviews audit logs and consents');

-- A role held by a user in one organization: tenant-owned.
CREATE TABLE user_roles (
    org_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id    uuid NOT NULL REFERENCES roles (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id, role_id)
);
CREATE INDEX user_roles_user_id_idx ON user_roles (user_id);

CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER profiles_updated_at BEFORE UPDATE ON profiles FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER roles_updated_at BEFORE UPDATE ON roles FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER user_roles_updated_at BEFORE UPDATE ON user_roles FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Row-level security, enabled and forced (the owner is bound too).
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE profiles FORCE ROW LEVEL SECURITY;
ALTER TABLE user_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_roles FORCE ROW LEVEL SECURITY;

-- An organization sees only itself.
CREATE POLICY organizations_tenant ON organizations
    USING (id = app_current_org())
    WITH CHECK (id = app_current_org());

-- Role grants: the current organization's, plus the signed-in user's own grants
-- in other organizations (read only), so a mediator on two panels can switch.
CREATE POLICY user_roles_read ON user_roles FOR SELECT
    USING (org_id = app_current_org() OR user_id = app_current_user());
CREATE POLICY user_roles_insert ON user_roles FOR INSERT
    WITH CHECK (org_id = app_current_org());
CREATE POLICY user_roles_update ON user_roles FOR UPDATE
    USING (org_id = app_current_org())
    WITH CHECK (org_id = app_current_org());
CREATE POLICY user_roles_delete ON user_roles FOR DELETE
    USING (org_id = app_current_org());

-- People are visible to an organization only while they hold a role in it, and
-- always to themselves.
CREATE POLICY users_read ON users FOR SELECT
    USING (id = app_current_user()
        OR EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = users.id AND ur.org_id = app_current_org()));
CREATE POLICY users_update ON users FOR UPDATE
    USING (id = app_current_user()
        OR EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = users.id AND ur.org_id = app_current_org()));
CREATE POLICY users_insert ON users FOR INSERT
    WITH CHECK (app_current_org() IS NOT NULL);

CREATE POLICY profiles_read ON profiles FOR SELECT
    USING (user_id = app_current_user()
        OR EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = profiles.user_id AND ur.org_id = app_current_org()));
CREATE POLICY profiles_update ON profiles FOR UPDATE
    USING (user_id = app_current_user()
        OR EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = profiles.user_id AND ur.org_id = app_current_org()));
CREATE POLICY profiles_insert ON profiles FOR INSERT
    WITH CHECK (app_current_org() IS NOT NULL);

-- The only lookups that run before a tenant is known, each named unscoped and
-- returning the least it can. SECURITY DEFINER runs them as the owner; the
-- search_path is pinned so a caller cannot substitute objects.

-- Sign-in: the credentials of one email address.
CREATE FUNCTION unscoped_sign_in_lookup(p_email text)
    RETURNS TABLE (user_id uuid, hashed_password text, status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT u.id, u.hashed_password, u.status
        FROM users u
        WHERE lower(u.email) = lower(p_email)
    $$;

-- The organizations a user holds roles in, oldest first (to choose one at sign-in).
CREATE FUNCTION unscoped_memberships(p_user_id uuid)
    RETURNS TABLE (org_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT ur.org_id FROM user_roles ur
        WHERE ur.user_id = p_user_id
        GROUP BY ur.org_id
        ORDER BY min(ur.created_at), ur.org_id
    $$;

-- Public branding: an organization's id from its slug, for the sign-in page.
CREATE FUNCTION unscoped_org_id_by_slug(p_slug text)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT o.id FROM organizations o WHERE o.slug = p_slug $$;

REVOKE ALL ON FUNCTION unscoped_sign_in_lookup(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION unscoped_memberships(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION unscoped_org_id_by_slug(text) FROM PUBLIC;

GRANT USAGE ON SCHEMA public TO caucus_app;
GRANT SELECT, UPDATE ON organizations TO caucus_app;
GRANT SELECT, INSERT, UPDATE ON users, profiles TO caucus_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON user_roles TO caucus_app;
GRANT SELECT ON roles TO caucus_app;
GRANT EXECUTE ON FUNCTION app_current_org(), app_current_user() TO caucus_app;
GRANT EXECUTE ON FUNCTION unscoped_sign_in_lookup(text), unscoped_memberships(uuid), unscoped_org_id_by_slug(text) TO caucus_app;
