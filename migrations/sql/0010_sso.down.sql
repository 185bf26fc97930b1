DROP FUNCTION IF EXISTS unscoped_sso_connection_org(uuid);
DROP TABLE IF EXISTS sso_connections;
