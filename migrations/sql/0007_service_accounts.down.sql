DROP FUNCTION IF EXISTS unscoped_service_account(text);
DROP TABLE IF EXISTS service_accounts;
