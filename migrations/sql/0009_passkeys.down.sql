DROP FUNCTION IF EXISTS unscoped_passkeys_for_email(text);
DROP TABLE IF EXISTS passkeys;
