ALTER TABLE service_accounts DROP COLUMN IF EXISTS last_used_at;
DROP TABLE IF EXISTS org_logos;
