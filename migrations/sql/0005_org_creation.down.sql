DROP FUNCTION IF EXISTS unscoped_create_organization(uuid, text, text, text);
