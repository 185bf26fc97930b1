-- Organization logos, kept in the database beside the organization (one per
-- organization; PNG, JPEG or WebP, at most 128 KiB, checked by the API from the
-- bytes). Served at /branding/{org_id}/logo/{sha256} with that type, so the
-- address changes whenever the image does and may be cached for good.
CREATE TABLE org_logos (
    org_id        uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    content_type  text NOT NULL,
    image         bytea NOT NULL,
    sha256        bytea NOT NULL,
    width         integer NOT NULL,
    height        integer NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT org_logos_content_type CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    CONSTRAINT org_logos_size CHECK (octet_length(image) BETWEEN 1 AND 131072),
    CONSTRAINT org_logos_sha256 CHECK (octet_length(sha256) = 32),
    CONSTRAINT org_logos_dimensions CHECK (width BETWEEN 1 AND 1024 AND height BETWEEN 1 AND 1024)
);
CREATE TRIGGER org_logos_updated_at BEFORE UPDATE ON org_logos FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE org_logos ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_logos FORCE ROW LEVEL SECURITY;
CREATE POLICY org_logos_tenant ON org_logos
    USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON org_logos TO caucus_app;

-- When a partner credential last obtained a token (shown to org admins).
ALTER TABLE service_accounts ADD COLUMN last_used_at timestamptz;
