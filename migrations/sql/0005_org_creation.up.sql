-- Creating an organization: the one write the API makes before the new tenant
-- exists. Only platform operators may call it (checked by the API's
-- authorization module); it inserts the row and nothing else.
CREATE FUNCTION unscoped_create_organization(p_id uuid, p_slug text, p_name text, p_tier text)
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        INSERT INTO organizations (id, slug, name, tier) VALUES (p_id, p_slug, p_name, p_tier)
    $$;
REVOKE ALL ON FUNCTION unscoped_create_organization(uuid, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION unscoped_create_organization(uuid, text, text, text) TO caucus_app;
