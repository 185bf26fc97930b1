DROP FUNCTION IF EXISTS unscoped_claim_jobs(integer, integer);
DROP TABLE IF EXISTS jobs;
