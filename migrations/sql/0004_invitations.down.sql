DROP FUNCTION IF EXISTS unscoped_invitation_org(bytea);
DROP TABLE IF EXISTS invitations;
